// Package docs holds podinit's documentation pages, and the tests that keep
// them whole: every relative link resolves, to a file and to a heading, and
// every page is reachable from the README. Tables that restate the code are
// checked by the tests of the package whose code they restate (see
// CONTRIBUTING.md).
package docs
