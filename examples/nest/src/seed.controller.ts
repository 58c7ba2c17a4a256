/**
 * The seed's pages as a Nest controller. The pages themselves are the seed's own
 * (examples/seed/app.ts renders them, framework-neutral); this class is the Nest side: routes,
 * `@Session()`, the guards, and writing the answer through Nest's HTTP adapter, so one
 * controller serves on Express and on Fastify.
 */
import { Body, Controller, Get, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CsrfGuard, LoginRequiredGuard, SESSION_MANAGER, Session } from '../../../src/adapters/nest.ts';
import { handle, type DemoManager } from '../../seed/app.ts';
import { toForm } from '../../seed/body.ts';
import { demoSession, pathOf } from '../../seed/frameworks/shared.ts';

@Controller()
@UseGuards(CsrfGuard) // every POST carries this session's token (the forms' hidden csrf_token)
export class SeedController {
  constructor(
    @Inject(SESSION_MANAGER) private readonly manager: DemoManager,
    private readonly host: HttpAdapterHost,
  ) {}

  @Get(['/', 'home/', 'logout/', 'preferences/', 'cart/', 'progress/'])
  read(@Session() session: Session, @Req() req: unknown, @Res() res: unknown): Promise<void> {
    return this.page(session, req, undefined, res);
  }

  @Post(['/', 'preferences/', 'cart/', 'progress/'])
  write(@Session() session: Session, @Req() req: unknown, @Body() body: unknown, @Res() res: unknown): Promise<void> {
    return this.page(session, req, body, res);
  }

  /** Your sessions: only for a logged-in visitor; anyone else is sent to the login form (loginUrl). */
  @Get('sessions/')
  @UseGuards(LoginRequiredGuard)
  sessions(@Session() session: Session, @Req() req: unknown, @Res() res: unknown): Promise<void> {
    return this.page(session, req, undefined, res);
  }

  @Post('sessions/')
  @UseGuards(LoginRequiredGuard)
  revoke(@Session() session: Session, @Req() req: unknown, @Body() body: unknown, @Res() res: unknown): Promise<void> {
    return this.page(session, req, body, res);
  }

  /** Hands the request to the seed's pages and writes their answer, on either platform. */
  private async page(session: Session, req: unknown, body: unknown, res: unknown): Promise<void> {
    const http = this.host.httpAdapter;
    const method = String(http.getRequestMethod(req));
    const form = method === 'POST' ? toForm(body) : new URLSearchParams();
    const path = pathOf(String(http.getRequestUrl(req)));
    const response = await handle({ method, path, form }, demoSession(session), this.manager);
    http.status(res, response.status);
    for (const [name, value] of Object.entries(response.headers)) http.setHeader(res, name, value);
    http.reply(res, response.body);
  }
}
