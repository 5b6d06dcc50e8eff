/**
 * A JSON Web Key (RFC 7517 §4, RFC 7518 §6): the members kakunin reads and writes, others kept as
 * they come. kakunin's own rather than node:crypto's JsonWebKey: @types/node moved that name
 * (crypto.JsonWebKey through @types/node 24, only webcrypto.JsonWebKey from 25), so a declaration
 * that imported it stopped compiling for a user with a newer @types/node than ours. A type with an
 * index signature is assignable to either of node's shapes, so createPrivateKey takes it as it is.
 */
export type Jwk = {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  kid?: string;
  use?: string;
  alg?: string;
  [member: string]: unknown;
};
