// A client of the gRPC server reflection protocol that works the way grpcurl does:
// list services, fetch the file descriptors that define a symbol, then call a
// method with types built from those descriptors only (no compiled stubs). Each
// function takes optional headers sent with every call, as grpcurl's -H does
// (e.g. { authorization: 'Bearer <ZENKO_GRPC_TOKEN>' }).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';

const require = createRequire(import.meta.url);
const reflectionProtoDir = join(dirname(require.resolve('@grpc/reflection')), '..', 'proto');

type Version = 'v1' | 'v1alpha';

/** Call metadata, grpcurl's -H. */
export type Headers = Record<string, string>;

function metadataOf(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return metadata;
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

type ReflectionStream = grpc.ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
type ReflectionClient = grpc.Client & { ServerReflectionInfo(metadata: grpc.Metadata): ReflectionStream };

function reflectionClient(address: string, version: Version): ReflectionClient {
  const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [reflectionProtoDir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { reflection: Record<Version, { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => ReflectionClient }> };
  };
  return new pkg.grpc.reflection[version].ServerReflection(address, grpc.credentials.createInsecure());
}

async function ask(address: string, version: Version, request: Record<string, unknown>, headers: Headers): Promise<ReflectionResponse> {
  const client = reflectionClient(address, version);
  try {
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      const stream = client.ServerReflectionInfo(metadataOf(headers));
      stream.once('data', (res: ReflectionResponse) => {
        resolve(res);
        stream.end();
      });
      stream.once('error', reject);
      stream.write(request);
    });
  } finally {
    client.close();
  }
}

export async function listServices(address: string, version: Version = 'v1', headers: Headers = {}): Promise<string[]> {
  const res = await ask(address, version, { list_services: '' }, headers);
  if (!res.list_services_response) throw new Error(`no list_services_response: ${JSON.stringify(res.error_response)}`);
  return res.list_services_response.service.map((s) => s.name).sort();
}

/** Builds a protobufjs Root from the descriptors the server returns for a symbol. */
export async function rootForSymbol(
  address: string,
  symbol: string,
  version: Version = 'v1',
  headers: Headers = {},
): Promise<protobuf.Root> {
  const res = await ask(address, version, { file_containing_symbol: symbol }, headers);
  if (!res.file_descriptor_response) throw new Error(`no file_descriptor_response for ${symbol}: ${JSON.stringify(res.error_response)}`);
  const files = res.file_descriptor_response.file_descriptor_proto.map((bytes) => descriptorExt.FileDescriptorProto.decode(bytes));
  return (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor({ file: files });
}

export interface MethodDescription {
  service: string;
  method: string;
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
}

export async function describeMethod(
  address: string,
  fullMethod: string,
  version: Version = 'v1',
  headers: Headers = {},
): Promise<MethodDescription> {
  const [serviceName, methodName] = fullMethod.split('/') as [string, string];
  const root = await rootForSymbol(address, serviceName, version, headers);
  const svc = root.lookupService(serviceName);
  const m = svc.methods[methodName];
  if (!m) throw new Error(`no method ${fullMethod}`);
  m.resolve();
  return {
    service: serviceName,
    method: methodName,
    requestType: m.resolvedRequestType?.fullName.replace(/^\./, '') ?? m.requestType,
    responseType: m.resolvedResponseType?.fullName.replace(/^\./, '') ?? m.responseType,
    requestStream: m.requestStream === true,
    responseStream: m.responseStream === true,
  };
}

/** Calls a unary method with a JSON request, using only reflected descriptors. */
export async function callUnary(
  address: string,
  fullMethod: string,
  request: Record<string, unknown>,
  headers: Headers = {},
): Promise<Record<string, unknown>> {
  const [serviceName, methodName] = fullMethod.split('/') as [string, string];
  const root = await rootForSymbol(address, serviceName, 'v1', headers);
  const m = root.lookupService(serviceName).methods[methodName];
  if (!m) throw new Error(`no method ${fullMethod}`);
  m.resolve();
  const reqType = m.resolvedRequestType!;
  const resType = m.resolvedResponseType!;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        `/${serviceName}/${methodName}`,
        (value: Record<string, unknown>) => Buffer.from(reqType.encode(reqType.fromObject(value)).finish()),
        (bytes: Buffer) => resType.toObject(resType.decode(bytes), { enums: String, longs: String, defaults: true }),
        request,
        metadataOf(headers),
        { deadline: new Date(Date.now() + 5_000) },
        (err, value) => (err ? reject(err) : resolve(value as Record<string, unknown>)),
      );
    });
  } finally {
    client.close();
  }
}
