/**
 * One in-person read, end to end: session over a transport, then the verification core with the
 * transcript and the reader's ephemeral key (deviceMac needs it). Time is injected.
 */
import type { VerifyOptions } from '../../mdoc/verify.js';
import { verifyDeviceResponse } from '../../mdoc/verify.js';
import type { VerificationResult } from '../../mdoc/result.js';
import type { ItemsRequest } from '../request/device-request.js';
import { ReaderSession, type ReaderSessionOptions } from './reader-session.js';

export interface ReadMdocOptions extends ReaderSessionOptions {
  requests: ItemsRequest[];
  verify: Omit<VerifyOptions, 'sessionTranscript' | 'readerEphemeralKey'>;
}

export interface ReadMdocOutcome {
  result: VerificationResult;
  sessionTranscript: Uint8Array;
}

export async function readMdoc(options: ReadMdocOptions): Promise<ReadMdocOutcome> {
  let session: ReaderSession;
  try {
    session = new ReaderSession(options);
  } catch (e) {
    // An engagement the session cannot even start from still releases the link.
    await options.transport.close();
    throw e;
  }
  try {
    const { deviceResponse } = await session.request(options.requests);
    const result = verifyDeviceResponse(deviceResponse, {
      ...options.verify,
      sessionTranscript: session.sessionTranscript,
      readerEphemeralKey: session.readerEphemeralKey,
    });
    return { result, sessionTranscript: session.sessionTranscript };
  } finally {
    await session.terminate();
  }
}
