import { describe, expect, it } from 'vitest';
import * as kakunin from '../src/index.js';
import { hex, readerKeyFromHex, VECTORS } from './helpers/vectors.js';

describe('the library entry point', () => {
  it('verifies a DeviceResponse with only what it exports', () => {
    const r = kakunin.verifyDeviceResponse(hex('iso18013-5-annexD-multipaz/device_response.hex'), {
      trust: kakunin.loadTrustStore([`${VECTORS}iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem`]),
      at: new Date('2021-01-07T00:00:00Z'),
      sessionTranscript: hex('iso18013-5-annexD-multipaz/session_transcript_bytes.hex'),
      readerEphemeralKey: readerKeyFromHex('iso18013-5-annexD-multipaz/ephemeral_reader_key_d.hex'),
    });
    expect(r.valid).toBe(true);
    expect(typeof kakunin.protocols.verifyProtocolResponse).toBe('function');
  });
});
