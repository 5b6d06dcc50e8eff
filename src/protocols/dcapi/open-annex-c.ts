/**
 * Opens an Annex C response with what the verifier itself sent: the encryptionInfo string, the
 * origin the page runs on and the recipient private key. The SessionTranscript is rebuilt from
 * those, never taken from the wallet; a wrong origin or encryptionInfo makes HPKE fail.
 */
import type { KeyObject } from 'node:crypto';
import { dcApiSessionTranscript } from '../transcript/dcapi-handover.js';
import { annexCResponseString, parseEncryptedResponse } from './encrypted-response.js';
import { hpkeOpen } from './hpke.js';

export interface AnnexCOpened {
  deviceResponse: Uint8Array;
  sessionTranscript: Uint8Array;
}

export async function openAnnexCResponse(response: unknown, sent: { encryptionInfo: string; origin: string; recipientPrivateKey: KeyObject }): Promise<AnnexCOpened> {
  const { enc, cipherText } = parseEncryptedResponse(annexCResponseString(response));
  const sessionTranscript = dcApiSessionTranscript({ encryptionInfo: sent.encryptionInfo, origin: sent.origin });
  const deviceResponse = await hpkeOpen({ recipientPrivateKey: sent.recipientPrivateKey, enc, cipherText, info: sessionTranscript });
  return { deviceResponse, sessionTranscript };
}
