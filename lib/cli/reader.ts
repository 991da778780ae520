/**
 * The one reader of manifest bytes for every kfws command: a file's bytes in, the objects `kubectl apply -f` reads
 * from it out. It runs kubectl's own decoding code — k8s.io/apimachinery's YAML-or-JSON decoder on sigs.k8s.io/yaml
 * (go-yaml v2), the Unstructured decoder and cli-runtime's list flattening — compiled from the Go module in reader/
 * to WebAssembly (wasip1, reactor) by scripts/build-reader.mjs and shipped brotli-compressed.
 *
 * The module is instantiated once per process, synchronously, with a WASI layer of our own that grants nothing: no
 * files, no environment, no arguments (Go's runtime asks only for clocks, random bytes and stderr). Node's `wasi`
 * module would do the same but prints an experimental-feature warning on every run.
 */

import { randomFillSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { brotliDecompressSync } from 'zlib';
import { cloneJson } from '../core/json';

/** An object kubectl would apply, read from a file. */
export interface ReadObject {
  /** 1-based index of the document (of the stream kubectl decodes) that holds it. */
  readonly document: number;
  /** Its place in a List document (`items[2]`); absent for a document itself. */
  readonly item?: string;
  readonly object: Record<string, unknown>;
}

/** Something kubectl refuses to read: a document it cannot decode (it reads no further) or an object it cannot type. */
export interface ReadRefusal {
  /**
   * `file` (its bytes), `stream` (a document kubectl cannot decode: it reads no further), `object` (a document or
   * item kubectl cannot type: it goes on) or `limit` (an object kubectl reads, beyond what kfws reads exactly).
   */
  readonly stage: 'file' | 'stream' | 'object' | 'limit';
  readonly document?: number;
  readonly item?: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
  /** kubectl's (apimachinery's) own message. */
  readonly message: string;
}

/** Lines (1-based, inclusive) of a document of the stream. */
export interface ReadDocument {
  readonly index: number;
  readonly startLine: number;
  readonly endLine: number;
}

/** What one file gives. */
export interface FileReading {
  readonly objects: readonly ReadObject[];
  readonly refusals: readonly ReadRefusal[];
  readonly documents: readonly ReadDocument[];
  /** The file as kubectl decoded it to UTF-8, when that differs from its bytes (UTF-16, invalid UTF-8). */
  readonly text?: string;
}

export interface ReaderLimits {
  /** The most bytes of JSON the documents of the file may expand to, aliases included. */
  readonly maxOutput: number;
}

/** Where the compressed module is: next to the compiled sources (build/reader/) or, in a checkout, in reader/. */
const MODULE_FILE = 'kfws-reader.wasm.br';

/** The compressed module: KFWS_READER_MODULE (a path, for tests of other builds), else the one beside this file. */
function readerModulePath(): string {
  const candidates = [
    process.env.KFWS_READER_MODULE,
    path.resolve(__dirname, '..', '..', 'reader', MODULE_FILE), // build/lib/cli -> build/reader; lib/cli -> reader
  ].filter((p): p is string => !!p);
  for (const p of candidates) if (fs.existsSync(p)) return p;
  throw new Error(`kfws: the manifest reader (${MODULE_FILE}) is missing; looked in ${candidates.join(', ')}. In a checkout, run \`npm run build:reader\`.`);
}

/** The parts of the WebAssembly JavaScript API used here (the DOM typings that declare it are not in this build). */
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
}
const WASM = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`the manifest reader exited with status ${code}`);
  }
}

const PROGRAM_NAME = Buffer.from('kfws-reader\0');
const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;

interface ReaderExports {
  readonly memory: WasmMemory;
  _initialize(): void;
  kfws_input(size: number): number;
  kfws_read(size: number, maxOutput: number): number;
  kfws_output(): number;
  kfws_release(): void;
}

/** The instantiated reader: one per process, calls one at a time (JavaScript is single-threaded, the calls sync). */
class Reader {
  private readonly exports: ReaderExports;
  /** What the module wrote to stderr (a Go panic), for the error message. */
  private stderr = '';

  constructor(module: WasmModule) {
    let memory: WasmMemory | undefined;
    const view = (): DataView => new DataView(memory!.buffer);
    const bytes = (): Uint8Array => new Uint8Array(memory!.buffer);
    const unsupported = (): number => ERRNO_NOSYS;
    const wasi: Record<string, (...args: never[]) => number | void> = {
      // Go's runtime expects a program name (os.Args[0]), and nothing else is passed.
      args_sizes_get: (argc: number, size: number) => {
        view().setUint32(argc, 1, true);
        view().setUint32(size, PROGRAM_NAME.length, true);
        return ERRNO_SUCCESS;
      },
      args_get: (argv: number, buf: number) => {
        view().setUint32(argv, buf, true);
        bytes().set(PROGRAM_NAME, buf);
        return ERRNO_SUCCESS;
      },
      environ_sizes_get: (count: number, size: number) => {
        view().setUint32(count, 0, true);
        view().setUint32(size, 0, true);
        return ERRNO_SUCCESS;
      },
      environ_get: () => ERRNO_SUCCESS,
      clock_time_get: (id: number, _precision: bigint, out: number) => {
        const now = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
        view().setBigUint64(out, now, true);
        return ERRNO_SUCCESS;
      },
      random_get: (buf: number, len: number) => {
        randomFillSync(bytes().subarray(buf, buf + len));
        return ERRNO_SUCCESS;
      },
      fd_write: (fd: number, iovs: number, count: number, written: number) => {
        if (fd !== 1 && fd !== 2) return ERRNO_BADF;
        let total = 0;
        for (let i = 0; i < count; i++) {
          const ptr = view().getUint32(iovs + i * 8, true);
          const len = view().getUint32(iovs + i * 8 + 4, true);
          this.stderr = (this.stderr + Buffer.from(bytes().subarray(ptr, ptr + len)).toString('utf8')).slice(-4096);
          total += len;
        }
        view().setUint32(written, total, true);
        return ERRNO_SUCCESS;
      },
      // Go's scheduler waits here only for timers; nothing the reader does sleeps, so every subscription fires now.
      poll_oneoff: (input: number, output: number, count: number, events: number) => {
        for (let i = 0; i < count; i++) {
          const sub = input + i * 48;
          const ev = output + i * 32;
          view().setBigUint64(ev, view().getBigUint64(sub, true), true);
          view().setUint16(ev + 8, ERRNO_SUCCESS, true);
          view().setUint8(ev + 10, view().getUint8(sub + 8));
        }
        view().setUint32(events, count, true);
        return ERRNO_SUCCESS;
      },
      sched_yield: () => ERRNO_SUCCESS,
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
      fd_fdstat_get: () => ERRNO_BADF,
      fd_fdstat_set_flags: () => ERRNO_BADF,
      fd_prestat_get: () => ERRNO_BADF,
      fd_prestat_dir_name: () => ERRNO_BADF,
      fd_close: () => ERRNO_BADF,
      fd_read: () => ERRNO_BADF,
      fd_sync: () => ERRNO_BADF,
      fd_filestat_get: () => ERRNO_BADF,
      fd_readdir: () => ERRNO_BADF,
      path_open: unsupported,
      path_filestat_get: unsupported,
      path_readlink: unsupported,
      path_remove_directory: unsupported,
      path_symlink: unsupported,
      path_unlink_file: unsupported,
    };
    const imports = { wasi_snapshot_preview1: new Proxy(wasi, { get: (t, name: string) => t[name] ?? (() => ERRNO_INVAL) }) };
    const instance = new WASM.Instance(module, imports);
    this.exports = instance.exports as unknown as ReaderExports;
    memory = this.exports.memory;
    this.call(() => this.exports._initialize());
  }

  private call<T>(fn: () => T): T {
    this.stderr = '';
    try {
      return fn();
    } catch (err) {
      // A trap (stack overflow, out of memory, a Go panic) leaves the instance unusable: the next read starts anew.
      instance = undefined;
      if (err instanceof RangeError) throw err;
      const detail = this.stderr.trim().split('\n')[0];
      throw new Error(`the manifest reader failed: ${(err as Error).message}${detail ? ` (${detail})` : ''}`);
    }
  }

  read(data: Uint8Array, limits: ReaderLimits): FileReading {
    let json: string;
    try {
      json = this.call(() => {
        const at = this.exports.kfws_input(data.length);
        new Uint8Array(this.exports.memory.buffer).set(data, at);
        const length = this.exports.kfws_read(data.length, Math.min(limits.maxOutput, 2 ** 31 - 1));
        const out = this.exports.kfws_output();
        const text = Buffer.from(this.exports.memory.buffer, out, length).toString('utf8');
        this.exports.kfws_release();
        return text;
      });
    } catch (err) {
      // Input that exhausts the reader (nesting deep enough to overflow the stack, memory) is refused, not a crash.
      const overflow = err instanceof RangeError || /call stack/i.test(String((err as Error).message));
      const message = overflow ? 'nested too deeply to read (the reader ran out of stack)' : (err as Error).message;
      return { objects: [], documents: [], refusals: [{ stage: 'file', message }] };
    }
    const reading = JSON.parse(json) as FileReading;
    // objects without a prototype, as the rest of kfws expects of input (see emptyRecord)
    return { ...reading, objects: reading.objects.map((o) => ({ ...o, object: cloneJson(o.object) })) };
  }
}

let compiled: WasmModule | undefined;
let instance: Reader | undefined;

function reader(): Reader {
  if (!instance) {
    compiled ??= new WASM.Module(brotliDecompressSync(fs.readFileSync(readerModulePath())));
    instance = new Reader(compiled);
  }
  return instance;
}

/** Reads one file's bytes as `kubectl apply -f FILE` does. */
export function readManifestBytes(data: Uint8Array, limits: ReaderLimits): FileReading {
  return reader().read(data, limits);
}
