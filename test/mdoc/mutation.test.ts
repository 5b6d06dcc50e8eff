/**
 * Flip every byte of the Annex D DeviceResponse in turn. No mutant may verify as valid with element
 * values other than the ones the issuer signed.
 */
import { describe, expect, it } from 'vitest';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { hex, readerKeyFromHex, trustOf } from '../helpers/vectors.js';

describe('byte-flip mutation of Annex D', () => {
  it('accepts no mutant with changed element values', () => {
    const response = hex('iso18013-5-annexD-multipaz/device_response.hex');
    const options = {
      trust: trustOf('iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem'),
      at: new Date('2021-01-07T00:00:00Z'),
      sessionTranscript: hex('iso18013-5-annexD-multipaz/session_transcript_bytes.hex'),
      readerEphemeralKey: readerKeyFromHex('iso18013-5-annexD-multipaz/ephemeral_reader_key_d.hex'),
    };
    const original = verifyDeviceResponse(response, options);
    expect(original.valid).toBe(true);
    const signed = JSON.stringify(
      original.documents.map((d) => d.elements),
      (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
    );
    let tried = 0;
    let accepted = 0;
    const acceptedChanged: number[] = [];
    for (let i = 0; i < response.length; i++) {
      const mutant = response.slice();
      mutant[i] ^= 0xff;
      tried++;
      const r = verifyDeviceResponse(mutant, options);
      if (!r.valid) {
        expect(r.errors.length).toBeGreaterThan(0);
        continue;
      }
      accepted++;
      const seen = JSON.stringify(
        r.documents.map((d) => d.elements),
        (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
      );
      if (seen !== signed) acceptedChanged.push(i);
    }
    expect(tried).toBe(response.length);
    expect(acceptedChanged).toEqual([]);
    // Every byte of this response is covered by a signature, a MAC or a digest, or is structure whose
    // change breaks parsing; record the count so a change in it is noticed.
    expect(accepted).toBe(0);
  });
});
