import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { parseXml } from '../xml/parser.js';
import { parseVersioning, renderVersioning } from './versioning.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

test('parses Enabled and Suspended, with or without MfaDelete Disabled, from a Buffer or an element', () => {
  assert.deepEqual(parseVersioning(Buffer.from(`<VersioningConfiguration ${NS}><Status>Enabled</Status></VersioningConfiguration>`)), {
    status: 'Enabled',
  });
  assert.deepEqual(
    parseVersioning(
      parseXml('<VersioningConfiguration>\n  <Status>Suspended</Status>\n  <MfaDelete>Disabled</MfaDelete>\n</VersioningConfiguration>', {
        maxBytes: 1024,
      }),
    ),
    { status: 'Suspended', mfaDelete: 'Disabled' },
  );
});

test('renders the empty configuration of a never-versioned bucket', () => {
  assert.equal(
    renderVersioning({}),
    '<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>',
  );
});

test('renders Status, then MfaDelete only when configured', () => {
  assert.equal(
    renderVersioning({ status: 'Enabled' }),
    `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration ${NS}><Status>Enabled</Status></VersioningConfiguration>`,
  );
  assert.equal(
    renderVersioning({ status: 'Suspended', mfaDelete: 'Disabled' }),
    `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration ${NS}><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`,
  );
});

test('round-trips', () => {
  for (const doc of [{ status: 'Enabled' }, { status: 'Suspended', mfaDelete: 'Disabled' }] as const) {
    assert.deepEqual(parseVersioning(renderVersioning(doc)), doc);
  }
});

test('refuses invalid documents with AWS codes', () => {
  throwsCode('MalformedXML', () => parseVersioning('<VersioningConfiguration><Status>On</Status></VersioningConfiguration>'));
  throwsCode('MalformedXML', () => parseVersioning('<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>'));
  throwsCode('MalformedXML', () =>
    parseVersioning('<VersioningConfiguration><Status>Enabled</Status><MFADelete>Disabled</MFADelete></VersioningConfiguration>'),
  );
  throwsCode('MalformedXML', () =>
    parseVersioning('<VersioningConfiguration><Status>Enabled</Status><Status>Enabled</Status></VersioningConfiguration>'),
  );
  throwsCode('MalformedXML', () => parseVersioning('<Versioning><Status>Enabled</Status></Versioning>'));
  throwsCode('MalformedXML', () => parseVersioning('<VersioningConfiguration><Status>Enabled</Status>'));
  throwsCode('MalformedXML', () => parseVersioning(Buffer.alloc(0)));
  throwsCode('IllegalVersioningConfigurationException', () => parseVersioning('<VersioningConfiguration/>'));
  throwsCode('NotImplemented', () =>
    parseVersioning('<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>'),
  );
});
