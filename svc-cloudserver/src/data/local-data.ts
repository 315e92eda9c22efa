// What a process sharing a `file` location's directory with svc-cloudserver uses to read and
// write its pieces itself (the Azure edge): the file backend, attached as a second writer, and
// the placement that checks sizes and digests around it, the same code DataPlacementService runs;
// and which pieces of a version hold which bytes; the digests it computes (CRC-64/NVME for
// x-ms-content-crc64 of a request body); the journaled release of data no version references.
export { FileBackend } from './file-backend.js';
export { DataPlacement, INLINE_SETTING, pieceOf, type Location, type PutResult, type UsageReader } from './placement.js';
export { registryUsage } from './location-watch.js';
export { inlineBytes, pieceReads, type PieceRead } from './pieces.js';
export { createHasher } from '../checksums/hasher.js';
export { ReleaseQueue, versionsReference, type ReleasedPiece, type WrittenObject } from './release-queue.js';
