// A minimal Node `events` module for the browser bundle. vtk.js (under cornerstone3D) pulls in xmlbuilder2, whose
// callback writer subclasses EventEmitter when its module is evaluated; the viewer never uses that writer, but the
// class must exist. on / off / once / emit cover what such a subclass calls.
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private listeners = new Map<string | symbol, Listener[]>();

  on(name: string | symbol, fn: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }

  addListener(name: string | symbol, fn: Listener): this {
    return this.on(name, fn);
  }

  once(name: string | symbol, fn: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(name, wrapped);
      fn(...args);
    };
    return this.on(name, wrapped);
  }

  off(name: string | symbol, fn: Listener): this {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((f) => f !== fn));
    return this;
  }

  removeListener(name: string | symbol, fn: Listener): this {
    return this.off(name, fn);
  }

  emit(name: string | symbol, ...args: unknown[]): boolean {
    const fns = this.listeners.get(name) ?? [];
    for (const fn of fns) fn(...args);
    return fns.length > 0;
  }
}

export default EventEmitter;
