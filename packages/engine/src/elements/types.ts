/** An element as discovered on the elements path: its name and real path. */
export interface ElementRef {
  /** Basename of the element directory's real path (DIB names elements this way). */
  name: string;
  /** Absolute real path of the element directory. */
  path: string;
}
