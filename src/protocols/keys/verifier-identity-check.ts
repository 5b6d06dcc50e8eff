/**
 * The verifier's own certificate, checked when the service starts: a wallet refuses a readerAuth or
 * a request object signed under a certificate that has expired, whose chain does not hold, or (for
 * x509_san_dns and for Apple's domain check) that does not name the verifier's host. Finding out at
 * start-up, with the reason, beats finding out from the first customer's phone.
 *
 *   problems  stop the start (expired, not yet valid, a chain link whose signature does not verify, a
 *             self-signed certificate: HAIP 1.0 section 5 forbids the trust anchor in x5c, and readerAuth's
 *             x5chain is built from the same list, so a root in the file would go to every wallet);
 *   warnings  are logged (expires within 30 days; the host is not among its dNSName SANs).
 */
import * as x509 from '../../trust/x509.js';
import type { VerifierIdentity } from './verifier-identity.js';

const DAY_MS = 86_400_000;
/** How long before expiry the service starts warning (Apple's and Google's renewals take days). */
export const EXPIRY_WARNING_DAYS = 30;

export interface IdentityCheck {
  problems: string[];
  warnings: string[];
  /** The leaf's notAfter: exported as a metric so that an alert can fire before it. */
  notAfter: Date;
}

export async function checkVerifierIdentity(identity: VerifierIdentity, options: { now: Date; host: string }): Promise<IdentityCheck> {
  const chain = identity.x5chain.map((der) => new x509.X509Certificate(der as BufferSource));
  const problems: string[] = [];
  const warnings: string[] = [];
  chain.forEach((cert, i) => {
    const which = i === 0 ? 'the verifier certificate' : `chain certificate ${i}`;
    if (options.now < cert.notBefore) problems.push(`${which} (${cert.subject}) is not valid before ${cert.notBefore.toISOString()}`);
    if (options.now > cert.notAfter) problems.push(`${which} (${cert.subject}) expired on ${cert.notAfter.toISOString()}`);
  });
  for (const [i, cert] of chain.entries()) {
    // A root is dropped neither silently nor by guess: the operator's file is what gets sent.
    if (await cert.isSelfSigned().catch(() => false)) {
      const which = i === 0 ? 'the verifier certificate' : `chain certificate ${i}`;
      problems.push(`${which} (${cert.subject}) is self-signed, a trust anchor, which is never sent (HAIP 1.0 section 5): remove it from the file (the leaf first, then intermediates, no root)`);
    }
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const ok = await chain[i].verify({ publicKey: chain[i + 1].publicKey, signatureOnly: true }).catch(() => false);
    if (!ok) problems.push(`chain certificate ${i} (${chain[i].subject}) is not signed by the next one (${chain[i + 1].subject}): put the leaf first, then each issuer`);
  }
  const leaf = chain[0];
  const left = leaf.notAfter.getTime() - options.now.getTime();
  if (left > 0 && left < EXPIRY_WARNING_DAYS * DAY_MS) {
    warnings.push(`the verifier certificate expires on ${leaf.notAfter.toISOString()} (in ${Math.ceil(left / DAY_MS)} days): renew it (Apple Business Connect, your CA) and restart with the new one`);
  }
  if (!identity.dnsNames.includes(options.host)) {
    warnings.push(
      `the verifier certificate names ${identity.dnsNames.join(', ') || 'no dNSName'}, not this service's host ${options.host} (PUBLIC_URL): wallets that check the name (x509_san_dns, Apple's domain) will refuse it`,
    );
  }
  return { problems, warnings, notAfter: leaf.notAfter };
}
