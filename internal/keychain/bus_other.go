//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package keychain

// checkBus: macOS and Windows keychains need no bus.
func checkBus() error { return nil }
