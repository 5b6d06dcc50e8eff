/**
 * JSON Schema (draft-07, as Ajv 8 checks by default) of the purposes config file. Kept next to the
 * code that reads it so the two change together; docs/purposes.schema.json is generated from it.
 */

const label = {
  type: 'object',
  additionalProperties: false,
  required: ['ja', 'en'],
  properties: { ja: { type: 'string', minLength: 1 }, en: { type: 'string', minLength: 1 } },
} as const;

const name = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const documentList = { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } } as const;
const trustSets = { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } } as const;
/** Required of a purpose that asks for the My Number (individual_number_unicode): the use 番号法 lists. */
const legalBasis = { type: 'string', minLength: 20, maxLength: 500 } as const;
const common = { name, label, trustSets, legalBasis } as const;

export const purposesConfigSchema = {
  $id: 'https://kakunin.dev/schemas/purposes.json',
  type: 'object',
  additionalProperties: false,
  required: ['purposes'],
  properties: {
    $schema: { type: 'string' },
    purposes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'kind'],
        properties: { kind: { enum: ['age_over', 'residency', 'kyc', 'elements', 'account_match'] } },
        allOf: [
          {
            if: { properties: { kind: { const: 'age_over' } } },
            then: {
              additionalProperties: false,
              properties: {
                ...common,
                kind: {},
                threshold: { type: 'integer', minimum: 0, maximum: 99 },
                allowFallback: { type: 'boolean' },
                timeZone: { type: 'string', minLength: 1, maxLength: 64 },
                documents: documentList,
              },
            },
          },
          {
            if: { properties: { kind: { const: 'residency' } } },
            then: {
              additionalProperties: false,
              required: ['municipalities'],
              properties: {
                ...common,
                kind: {},
                municipalities: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[0-9]{5,6}$' } },
                mdl: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['element', 'values'],
                  properties: {
                    element: { enum: ['resident_city', 'resident_postal_code'] },
                    values: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
                  },
                },
                reportCode: { type: 'boolean' },
              },
            },
          },
          {
            if: { properties: { kind: { const: 'kyc' } } },
            then: {
              additionalProperties: false,
              properties: { ...common, kind: {}, portrait: { type: 'boolean' }, documents: documentList },
            },
          },
          {
            if: { properties: { kind: { const: 'account_match' } } },
            then: {
              additionalProperties: false,
              properties: {
                ...common,
                kind: {},
                documents: documentList,
                // The OpenID4VP QR code can be relayed by a phishing page: offered only when listed (docs/security.md).
                channels: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['dc_api', 'openid4vp'] } },
              },
            },
          },
          {
            if: { properties: { kind: { const: 'elements' } } },
            then: {
              additionalProperties: false,
              required: ['documents'],
              properties: {
                ...common,
                kind: {},
                documents: {
                  type: 'object',
                  minProperties: 1,
                  additionalProperties: {
                    type: 'object',
                    minProperties: 1,
                    additionalProperties: {
                      type: 'object',
                      minProperties: 1,
                      additionalProperties: { type: 'boolean' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
} as const;
