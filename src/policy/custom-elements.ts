/**
 * A custom purpose that asks for a fixed list of elements and reports them as they are, under
 * "namespace/identifier" keys. For anything the presets do not cover.
 */
import { resolveDocType } from './documents.js';
import { issuerElement, reportable } from './elements.js';
import type { DocumentAsk, Purpose } from './purpose.js';
import { KakuninError } from '../codes/error.js';

export interface ElementsOptions {
  name: string;
  label?: { ja: string; en: string };
  /** docType (or alias) -> namespace -> element identifier -> intent to retain. */
  documents: Record<string, Record<string, Record<string, boolean>>>;
  trustSets?: string[];
}

export function createElementsPurpose(options: ElementsOptions): Purpose {
  const documents: DocumentAsk[] = Object.entries(options.documents).map(([docType, namespaces]) => ({
    docType: resolveDocType(docType),
    claimSets: [
      Object.entries(namespaces).flatMap(([nameSpace, elements]) => Object.entries(elements).map(([elementIdentifier, intentToRetain]) => ({ nameSpace, elementIdentifier, intentToRetain }))),
    ],
  }));
  for (const d of documents) {
    if (d.claimSets[0].length === 0) throw new KakuninError('INVALID_ARGUMENT', `purpose ${options.name}: ${d.docType} asks for no element`);
  }
  return {
    name: options.name,
    label: options.label ?? { ja: options.name, en: options.name },
    documents,
    trustSets: options.trustSets ?? [],
    decide(document) {
      const ask = documents.find((d) => d.docType === document.docType);
      if (!ask) return { missing: true };
      const out: Record<string, string | number | boolean> = {};
      for (const e of ask.claimSets[0]) {
        const value = reportable(issuerElement(document, e.nameSpace, e.elementIdentifier));
        if (value === undefined) return { missing: true };
        out[`${e.nameSpace}/${e.elementIdentifier}`] = value;
      }
      return { kind: 'attributes', attributes: out };
    },
  };
}
