"""CRC32 as the archive checks it: fast file hashing and combining the CRC32s of parts."""
