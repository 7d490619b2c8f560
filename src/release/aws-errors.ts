import type { ApiCall } from './aws';

interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
  $fault?: string;
  Code?: string;
  code?: string;
}

/** Errors the HTTP layer raises when a request cannot complete (node-http-handler, Node's net stack). */
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * One line for an error that is not a ReleaseError: which call failed, the HTTP status and AWS's error code when
 * there was an answer, and the first line of the message. A body that is not the service's format (an HTML 500 from
 * a proxy) fails the SDK's parser with a SyntaxError; the status it answered with is still the news.
 */
export function describeAwsError(e: unknown, call: ApiCall | undefined): string {
  const err = (e instanceof Error ? e : new Error(String(e))) as SdkError;
  const where = call ? `${call.service}:${call.operation}` : 'AWS';
  const status = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
  const firstLine = String(err.message ?? '').split('\n')[0].slice(0, 300);
  if (status !== undefined) {
    // JSON protocols fail the parser (SyntaxError); query/XML ones report the code as "Unknown".
    const unparsed = err.name === 'SyntaxError' || err.name === 'Unknown' || /Deserialization error|^Unknown$/i.test(firstLine);
    const code = unparsed ? 'UnreadableResponse' : err.name;
    const detail = unparsed ? 'the response body could not be read' : firstLine;
    return `AWS error: ${code}: ${detail} (HTTP ${status}${call ? `, ${where}` : ''}${err.$metadata?.requestId ? `, request id ${err.$metadata.requestId}` : ''})`;
  }
  const kind = err.code ?? err.name;
  if (/TimeoutError|RequestTimeout|ETIMEDOUT/.test(`${err.name} ${kind}`) || /timed? ?out/i.test(firstLine)) {
    return `AWS error: ${where}: no answer within the request timeout (${kind}, after every attempt); set ECS_RELEASE_REQUEST_TIMEOUT to wait longer`;
  }
  if (NETWORK.has(err.name) || NETWORK.has(kind) || /socket hang up/i.test(firstLine)) {
    return `AWS error: ${where}: could not reach the endpoint (${kind}: ${firstLine})`;
  }
  return `${err.$metadata ? 'AWS error: ' : ''}${err.name}: ${firstLine}`;
}
