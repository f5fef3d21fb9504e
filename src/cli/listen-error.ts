/**
 * A clear line for the errors a server meets when it starts listening, in place of Node's
 * `listen EADDRINUSE: address already in use 127.0.0.1:4000`.
 */
export function listenErrorMessage(err: unknown, host: string, port: number, howToChange: string): string | undefined {
  const e = err as { code?: unknown; address?: unknown; port?: unknown } | null;
  const where = { host: typeof e?.address === 'string' ? e.address : host, port: typeof e?.port === 'number' ? e.port : port };
  if (e?.code === 'EADDRINUSE') return `port ${where.port} is in use on ${where.host}; ${howToChange}`;
  if (e?.code === 'EACCES') return `no permission to listen on port ${where.port} on ${where.host} (ports below 1024 need privileges); ${howToChange}`;
  if (e?.code === 'EADDRNOTAVAIL') return `${where.host} is not an address of this machine; set the host to listen on (server.host or --host)`;
  return undefined;
}
