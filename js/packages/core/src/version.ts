// The package's version (kept equal to package.json's by scripts/check-version in the test suite).
export const VERSION = "0.1.0";
