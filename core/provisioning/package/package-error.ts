/**
 * The one error of the package library. `code` tells the caller what kind of
 * failure it is (BadPackage: the ZIP must not be installed; InvalidArgument:
 * the caller's input is wrong; NotFound: a file the caller named is missing),
 * `file` the package or file concerned and `entry` the ZIP entry, so a refusal
 * can be shown to an administrator as is.
 */
export type PackageErrorCode = 'BadPackage' | 'InvalidArgument' | 'NotFound';

export class PackageError extends Error {
  override readonly name = 'PackageError';
  readonly code: PackageErrorCode;
  readonly file?: string;
  readonly entry?: string;

  constructor(code: PackageErrorCode, message: string, where: { file?: string; entry?: string } = {}) {
    super(message);
    this.code = code;
    if (where.file !== undefined) this.file = where.file;
    if (where.entry !== undefined) this.entry = where.entry;
  }
}
