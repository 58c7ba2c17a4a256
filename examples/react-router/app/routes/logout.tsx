import { redirect, type LoaderFunctionArgs } from 'react-router';
import { sessionContext } from '../session.server';

/** Django's flush(): data and record gone (the middleware deletes both at commit), then the form. */
export function loader({ context }: LoaderFunctionArgs) {
  context.get(sessionContext).flush();
  return redirect('/');
}
