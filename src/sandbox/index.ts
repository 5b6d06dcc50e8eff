/**
 * `kakunin/sandbox`: the test issuer, its certificates and the holder side of the wallet, for trying
 * kakunin without a real card (documents it signs chain only to the sandbox IACA, which no production
 * trust set holds).
 */
// Brings in the user's @types/node, which these declarations need (why: src/index.ts).
/// <reference types="node" preserve="true" />
export * from './certificates.js';
export * from './issuer.js';
export * from './issuer-cose.js';
export * from './issuer-documents.js';
export * from './issuer-device-response.js';
export * from './holder-proximity.js';
export * from './holder-proximity-nfc.js';
export * from './jpeg.js';
export * from './portrait.js';
// The holder's wallet for the online protocols: the DC API (as navigator.credentials.get answers) and OpenID4VP by QR or link.
export { SandboxWallet, WalletRefusal, type SandboxWalletOptions, type WalletBehaviour, type WalletElementRef, type WalletSelection } from './wallet.js';
export { answerDigitalCredentialRequest, type DigitalCredentialAnswer } from './wallet-dcapi.js';
export { answerOpenID4VPRedirect } from './wallet-openid4vp.js';
