/**
 * A `server.cors_origins` entry in the form browsers send in Origin (`https://app.example.com`,
 * lower case, no default port, no path), `*`, or `https://*.example.com` for any subdomain:
 * the origin as browsers will send it, or why the entry is not one.
 */
export function parseCorsOrigin(entry: string): { origin: string } | { problem: string } {
  if (entry === '*') return { origin: entry };
  const wild = /^(https?):\/\/\*\.(.+)$/i.exec(entry.trim());
  const text = wild ? `${wild[1]}://wildcard.${wild[2]}` : entry.trim();
  if (wild && !wild[2]!.includes('.')) return { problem: `${JSON.stringify(entry)} would allow every site under .${wild[2]}; name a domain of yours, e.g. https://*.example.com` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `${JSON.stringify(entry)} is not an origin; write it as a browser sends it, e.g. https://app.example.com` };
  }
  if (url.hostname.includes('*')) return { problem: `${JSON.stringify(entry)}: a wildcard may only open the host name, as in https://*.example.com` };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `${JSON.stringify(entry)} is not an http or https origin` };
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || /\/.+|[?#]/.test(text.replace(/^[a-z]+:\/\//i, ''))) {
    return { problem: `${JSON.stringify(entry)} has more than an origin (scheme, host and port only, e.g. ${url.origin.replace('://wildcard.', '://*.')})` };
  }
  return { origin: wild ? url.origin.replace('://wildcard.', '://*.') : url.origin };
}
