import type { FastifyRequest } from "fastify";

/**
 * What a log line says about a request. Fastify's default names the URL as requested, and a staff setup link
 * (`/setup/<link>`) carries its credential in the path: whoever reads the server's log could set up the
 * account before its owner does. The link is cut out; the rest is Fastify's default.
 */
export function pathForLog(url: string): string {
  return url.replace(/^\/setup\/[^/?#]+/, "/setup/[link]");
}

export const logSerializers = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: pathForLog(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
};
