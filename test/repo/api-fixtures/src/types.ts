export interface Hidden {
  a: number;
}
export interface Shown {
  b: string;
}
export interface HiddenResult {
  c: boolean;
}
export type HiddenAlias = 'x' | 'y';
export interface HiddenBase {
  d: number;
}
