/**
 * Growable storage for the message stream's token queue, on a resizable `ArrayBuffer`.
 *
 * V8 reserves the address space of a resizable buffer up front; growing it commits pages in
 * place (no copy, and a page costs memory only once written), and shrinking it hands the pages
 * past the new length back to the kernel at once (`madvise`), without waiting for a garbage
 * collection. That is what lets the stream hold a 64 MiB message and give the memory back the
 * moment the message is parsed or a limit trips; a dropped `Uint8Array` stays resident until
 * V8 collects it, which under a stream of large messages may be hundreds of MiB later.
 *
 * Shrinking zeroes every byte given back first (V8 does, so that a later growth reads zeros), the
 * pages never written included: capacity reserved ahead of need becomes resident for a moment
 * when the buffer shrinks. Growth therefore stays close to need — it costs no copy anyway.
 *
 * V8 indexes a resizable buffer's views two to three times slower than plain ones, so hot
 * loops copy windows out (`set()`, a memcpy) instead of walking these views byte by byte.
 *
 * @module
 */

/**
 * Growth below this capacity doubles; above it, capacity grows to the need rounded up to a
 * multiple of this size (bytes), so that at most this much is reserved unwritten.
 */
const GROWTH_STEP = 1024 * 1024;

/** A typed array whose `view` covers the whole current capacity. */
export class Growable<T extends Uint8Array<ArrayBuffer> | Uint32Array<ArrayBuffer>> {
  readonly #buffer: ArrayBuffer;
  #make: (buffer: ArrayBuffer) => T;
  #unit: number;
  #keepBytes: number;
  #maxBytes: number;
  /** A view of the whole current capacity (replaced when the capacity changes). */
  view: T;

  /**
   * Creates storage of `keep` elements that can grow to `max` elements; {@link release} shrinks
   * back to `keep`.
   */
  constructor(
    make: (buffer: ArrayBuffer) => T,
    bytesPerElement: number,
    keep: number,
    max: number,
  ) {
    this.#make = make;
    this.#unit = bytesPerElement;
    this.#keepBytes = keep * bytesPerElement;
    this.#maxBytes = max * bytesPerElement;
    this.#buffer = new ArrayBuffer(this.#keepBytes, { maxByteLength: this.#maxBytes });
    this.view = make(this.#buffer);
  }

  /** Makes room for at least `elements` elements, keeping the contents (up to `max`). */
  reserve(elements: number): void {
    if (elements <= this.view.length) return;
    const need = elements * this.#unit;
    if (need > this.#maxBytes) {
      throw new RangeError(`growable storage beyond ${this.#maxBytes} bytes`);
    }
    const current = this.#buffer.byteLength;
    const grown = current < GROWTH_STEP ? current * 2 : Math.ceil(need / GROWTH_STEP) * GROWTH_STEP;
    this.#resize(Math.min(Math.max(need, grown), this.#maxBytes));
  }

  /** Shrinks back to the initial capacity, returning the memory beyond it to the system. */
  release(): void {
    if (this.#buffer.byteLength > this.#keepBytes) this.#resize(this.#keepBytes);
  }

  #resize(bytes: number): void {
    this.#buffer.resize(bytes);
    this.view = this.#make(this.#buffer);
  }
}

/** Growable bytes. */
export function growableBytes(keep: number, max: number): Growable<Uint8Array<ArrayBuffer>> {
  return new Growable((b) => new Uint8Array(b), 1, keep, max);
}

/** Growable 32-bit unsigned integers. */
export function growableU32(keep: number, max: number): Growable<Uint32Array<ArrayBuffer>> {
  return new Growable((b) => new Uint32Array(b), 4, keep, max);
}
