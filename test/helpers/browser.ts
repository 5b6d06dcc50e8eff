/** Driving the pages in Debian's chromium: where it is, and a Digital Credentials API backed by the demo's sandbox wallet. */
import { execSync } from 'node:child_process';
import type { Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export function chromiumPath(): string {
  const path = execSync('command -v chromium || command -v chromium-browser || true', { shell: '/bin/sh' }).toString().trim();
  if (!path) throw new Error('chromium is not installed: apt-get install -y chromium');
  return path;
}

/**
 * Gives the page a navigator.credentials.get backed by the sandbox wallet (the demo's
 * /v1/sandbox/wallet/dcapi). With `protocol`, the browser hands the wallet only the request in that
 * protocol, as Safari (org-iso-mdoc) or Chrome (openid4vp-v1-*) do; the wallet answers the first it
 * is given. Returns the protocols of the answers the page then posts to the service.
 */
export async function withSandboxWallet(page: Page, protocol?: string): Promise<string[]> {
  const posted: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/dcapi-response')) posted.push((req.postDataJSON() as { protocol: string }).protocol);
  });
  await page.addInitScript((only) => {
    // The Digital Credentials API is there when DigitalCredential is (as in Chrome 141+, Safari 26).
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class DigitalCredential {
      static userAgentAllowsProtocol(p: string) {
        return only === null || p === only;
      }
    };
    Object.defineProperty(navigator, 'credentials', {
      configurable: true,
      value: {
        get: async (argument: { digital: { requests: { protocol: string }[] }; signal?: AbortSignal }) => {
          const requests = argument.digital.requests.filter((r) => only === null || r.protocol === only);
          const res = await fetch('/v1/sandbox/wallet/dcapi', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ argument: { digital: { requests } }, origin: location.origin }),
          });
          return res.json();
        },
      },
    });
  }, protocol ?? null);
  return posted;
}

/** What a person sees of one button: its words, the colours as painted, and their contrast. */
export interface ButtonLook {
  /** id, or the tag and classes when it has none. */
  name: string;
  text: string;
  disabled: boolean;
  /** The text's and the background's colour as they reach the screen, rgb(...) (the worst pair over a gradient). */
  text_colour: string;
  background: string;
  /** WCAG 2 contrast ratio of the two (1 to 21). */
  contrast: number;
}

/**
 * Every rendered button of the page (buttons, and links styled as one: .big, .primary, role=button),
 * with the colours a person sees: the computed text colour over the computed backgrounds of the button
 * and its ancestors, gradients' stops and opacity included, composited as the browser paints them
 * (premultiplied "over", each element's opacity applied to its group), over a white canvas. A
 * colour the helper cannot read (an image, a colour space it does not know) fails loudly instead of
 * being guessed.
 */
export async function buttonLooks(page: Page): Promise<ButtonLook[]> {
  return textLooks(page, 'button, [role="button"], a.big, a.primary, a.button');
}

/** What a person sees of every rendered element matching `selector` that holds words: as buttonLooks. */
export async function textLooks(page: Page, selector: string): Promise<ButtonLook[]> {
  return page.evaluate((selector) => {
    type Rgba = [number, number, number, number];
    const parse = (css: string): Rgba => {
      if (css === 'transparent') return [0, 0, 0, 0];
      const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(css);
      if (!m) throw new Error(`unreadable colour ${css}`);
      return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
    };
    // Premultiplied colours: "over" and a group's opacity are then linear.
    const pre = ([r, g, b, a]: Rgba): Rgba => [r * a, g * a, b * a, a];
    const over = (top: Rgba, below: Rgba): Rgba => top.map((c, i) => c + below[i] * (1 - top[3])) as Rgba;
    const fade = (c: Rgba, o: number): Rgba => c.map((v) => v * o) as Rgba;
    const layers = (el: Element): Rgba[][] => {
      const s = getComputedStyle(el);
      // From the top down: the image is painted over the colour.
      const out: Rgba[][] = [];
      if (s.backgroundImage !== 'none') {
        if (!/gradient\(/.test(s.backgroundImage)) throw new Error(`${el.tagName} has a background image the check cannot read`);
        out.push((s.backgroundImage.match(/rgba?\([^)]*\)/g) ?? []).map((c) => pre(parse(c))));
      }
      out.push([pre(parse(s.backgroundColor))]);
      return out;
    };
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a: number[], b: number[]) => {
      const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const css = (c: Rgba) =>
      `rgb(${c
        .slice(0, 3)
        .map((v) => Math.round(v))
        .join(', ')})`;
    const buttons = Array.from(document.querySelectorAll(selector)).filter((el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && el.getBoundingClientRect().width > 0);
    return buttons.map((el) => {
      // Pairs of (text pixel, background pixel), one per choice of gradient stops, built outwards.
      let pairs: [Rgba, Rgba][] = [[pre(parse(getComputedStyle(el).color)), [0, 0, 0, 0]]];
      for (let node: Element | null = el; node; node = node.parentElement) {
        for (const layer of layers(node)) {
          pairs = pairs.flatMap(([t, b]) => layer.map((c): [Rgba, Rgba] => [over(t, c), over(b, c)]));
        }
        const o = Number(getComputedStyle(node).opacity);
        if (o < 1) pairs = pairs.map(([t, b]) => [fade(t, o), fade(b, o)]);
      }
      const canvas: Rgba = [255, 255, 255, 1];
      const seen = pairs.map(([t, b]) => [over(t, canvas), over(b, canvas)] as const).map(([t, b]) => ({ t, b, r: ratio(t, b) }));
      const worst = seen.reduce((w, x) => (x.r < w.r ? x : w));
      const html = el as HTMLElement;
      return {
        name: el.id || `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')}`,
        text: (html.innerText || el.getAttribute('aria-label') || '').trim(),
        disabled: (el as HTMLButtonElement).disabled === true,
        text_colour: css(worst.t),
        background: css(worst.b),
        contrast: Math.round(worst.r * 100) / 100,
      };
    });
  }, selector);
}
