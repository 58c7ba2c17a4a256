// The few autocannon types the bench uses (the package ships none and @types/autocannon is not installed).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      setupClient?: (client: any) => void;
    }
    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      requests: { total: number };
      latency: { p50: number; p99: number };
    }
  }
  function autocannon(options: autocannon.Options, callback: (err: unknown, result: autocannon.Result) => void): unknown;
  export default autocannon;
}
