export class KakuninError extends Error {}
