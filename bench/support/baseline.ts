import { freePort, startProcess, stopProcess, waitForHttp } from './stack';

/** The bare Nest-Fastify hello app (bench/baseline/hello-app.ts) as a child process under a chosen Node. */
export interface HelloApp {
  url: string;
  origin: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startHello(node: string, bodyBytes: number): Promise<HelloApp> {
  const port = await freePort();
  const proc = startProcess('dist/bench/baseline/hello-app.js', {}, [String(port), String(bodyBytes)], {
    node,
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}/hello`);
  } catch (error) {
    await stopProcess(proc);
    throw error;
  }
  return { url: `${origin}/hello`, origin, pid: proc.pid, stop: () => stopProcess(proc) };
}

/** Bytes of the body a GET answers, to size the hello baseline's body like the response being measured. */
export async function bodyBytes(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status} while measuring its body size`);
  return body.byteLength;
}
