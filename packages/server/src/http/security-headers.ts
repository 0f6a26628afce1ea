/**
 * Response headers that keep browsers from misusing Kiln's pages and API:
 * a Content Security Policy (scripts from Kiln itself or carrying this
 * response's nonce), no framing, no MIME sniffing, a strict referrer, and
 * HSTS when the public URL is https.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerConfig } from "../context.ts";

/** A fresh nonce for one page's inline scripts. */
export function newScriptNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The policy. Styles may be inline: the component library injects `<style>`
 * elements at run time, and styles cannot run code.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The headers for every response, given the page's script nonce. */
export function securityHeaders(config: ServerConfig, nonce: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-security-policy": contentSecurityPolicy(nonce),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
  };
  if (config.publicUrlConfigured && config.publicUrl.startsWith("https:")) {
    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  }
  return headers;
}

/**
 * Sets the headers on `res` and hands the nonce to the page renderer: Next
 * reads it from the request's own `content-security-policy` header and puts
 * it on the inline scripts it writes.
 */
export function applySecurityHeaders(
  config: ServerConfig,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const headers = securityHeaders(config, newScriptNonce());
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  req.headers["content-security-policy"] = headers["content-security-policy"];
}
