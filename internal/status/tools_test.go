package status

import (
	"context"
	"testing"
)

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		min  []int
		want bool
	}{
		{"2.9.0", awsV2Session, true},
		{"2.8.12", awsV2Session, false},
		{"2.10.0", awsV2Session, true},
		{"1.29.10", botocoreSession, true},
		{"1.29.9", botocoreSession, false},
		{"1.100.0", botocoreSession, true},
		{"1.6.0-beta1", terraformBackendSession, true},
		{"1.5", terraformBackendSession, false},
		{"5", terraformProviderSession, true},
		{"", terraformProviderSession, false},
	} {
		if got := atLeast(tc.v, tc.min); got != tc.want {
			t.Errorf("atLeast(%q, %v) = %v, want %v", tc.v, tc.min, got, tc.want)
		}
	}
}

// TestAWSCLIVersion: v1 and v2 told apart by --version, wherever it prints.
func TestAWSCLIVersion(t *testing.T) {
	for _, tc := range []struct{ out, kind, version, sso string }{
		{"aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off\n", "AWS CLI v2", "2.9.19", ToolNative},
		{"aws-cli/2.0.30 Python/3.7.3 Linux/5.4 botocore/2.0.0dev34\n", "AWS CLI v2", "2.0.30", ToolNeedsProcess},
		{"aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11\n", "AWS CLI v1", "1.45.11", ToolNative},
		{"aws-cli/1.18.69 Python/3.8.5 Linux/5.4 botocore/1.17.16\n", "AWS CLI v1", "1.18.69", ToolNeedsProcess},
		{"aws-cli/1.16.0 Python/2.7 Linux/4.4 botocore/1.12.0\n", "AWS CLI v1", "1.16.0", ToolNeedsProcess},
		{"bash: aws: command not found\n", "AWS CLI (version unknown)", "", ToolDepends},
	} {
		f := ToolFinder{Run: func(context.Context, string, ...string) ([]byte, error) { return []byte(tc.out), nil }}
		got := f.awsCLI(context.Background(), "/x/aws")
		if got.Kind != tc.kind || got.Version != tc.version || got.SSO != tc.sso {
			t.Errorf("%q: got %s %s %s, want %s %s %s", tc.out, got.Kind, got.Version, got.SSO, tc.kind, tc.version, tc.sso)
		}
	}
}
