// fflate 0.7's package.json "exports" hides its own types from TypeScript's bundler resolution; the one function
// the viewer uses (unzipping a T2* echo series) is declared here.
declare module 'fflate' {
  export function unzipSync(data: Uint8Array): Record<string, Uint8Array>;
}
