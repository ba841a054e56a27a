package scan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Test keys: random-looking, of the real shapes, owned by nobody.
const (
	id1     = "AKIAQ3EGYOJ2BMYTCHM4"
	id2     = "ASIAZT5RUDXKQ7MWV4PA"
	secret1 = "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"
	secret2 = "9dQpE7mZr2LkX0vBnWs4Tj8yHc1Gf6Ua3Ri5Oe/K"
)

// hit is a match by what it matched, for readable tables.
type hit struct {
	Rule   Rule
	ID     string
	Secret string
}

func hits(data string) []hit {
	var out []hit
	for _, m := range Find([]byte(data)) {
		h := hit{Rule: m.Rule}
		if m.IDStart >= 0 {
			h.ID = data[m.IDStart:m.IDEnd]
		}
		if m.SecretStart >= 0 {
			h.Secret = data[m.SecretStart:m.SecretEnd]
		}
		out = append(out, h)
	}
	return out
}

func TestFindTruePositives(t *testing.T) {
	pair := []hit{{RulePair, id1, secret1}}
	for _, tc := range []struct {
		name, text string
		want       []hit
	}{
		{"ini credentials", "[default]\naws_access_key_id = " + id1 + "\naws_secret_access_key = " + secret1 + "\n", pair},
		{"env", "export AWS_ACCESS_KEY_ID=" + id1 + "\nexport AWS_SECRET_ACCESS_KEY=" + secret1 + "\n", pair},
		{"dotenv quoted", "AWS_ACCESS_KEY_ID=\"" + id1 + "\"\nAWS_SECRET_ACCESS_KEY='" + secret1 + "'", pair},
		{"json create-access-key", `{"AccessKey": {"UserName": "ci", "AccessKeyId": "` + id1 + `", "Status": "Active", "SecretAccessKey": "` + secret1 + `", "CreateDate": "2024-01-01T00:00:00Z"}}`, pair},
		{"yaml", "aws:\n  access_key_id: " + id1 + "\n  secret_access_key: " + secret1 + "\n", pair},
		{"go strings", "cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider(\"" + id1 + "\", \"" + secret1 + "\", \"\")}", pair},
		{"python kwargs, secret first", "boto3.client('s3', aws_secret_access_key='" + secret1 + "', aws_access_key_id='" + id1 + "')", pair},
		{"url query id", "https://bucket.s3.amazonaws.com/k?AWSAccessKeyId=" + id1 + "&Expires=1700000000&Signature=abc%2Bdef", []hit{{RuleAccessKeyID, id1, ""}}},
		{"url query secret", "https://x.example/cb?access_key=" + id1 + "&secret_key=" + secret1 + "&x=1", pair},
		{"iam console csv", "Access key ID,Secret access key\n" + id1 + "," + secret1 + "\n", pair},
		{"csv two rows", "User name,Access key ID,Secret access key\nci," + id1 + "," + secret1 + "\nweb," + id2 + "," + secret2 + "\n",
			[]hit{{RulePair, id1, secret1}, {RulePair, id2, secret2}}},
		{"two ini profiles", "[a]\naws_access_key_id=" + id1 + "\naws_secret_access_key=" + secret1 + "\n[b]\naws_access_key_id=" + id2 + "\naws_secret_access_key=" + secret2 + "\n",
			[]hit{{RulePair, id1, secret1}, {RulePair, id2, secret2}}},
		{"id alone", "// the old key was " + id1 + ", deleted", []hit{{RuleAccessKeyID, id1, ""}}},
		{"session key id", "key=" + id2, []hit{{RuleAccessKeyID, id2, ""}}},
		{"ABIA and ACCA", "ABIAQ3EGYOJ2BMYTCHM4 ACCAQ3EGYOJ2BMYTCHM4", []hit{{RuleAccessKeyID, "ABIAQ3EGYOJ2BMYTCHM4", ""}, {RuleAccessKeyID, "ACCAQ3EGYOJ2BMYTCHM4", ""}}},
		{"secret by keyword", "SecretAccessKey: " + secret1, []hit{{RuleSecretAccessKey, "", secret1}}},
		{"SECRET keyword", "MY_SECRET=" + secret1, []hit{{RuleSecretAccessKey, "", secret1}}},
		{"at buffer edges", id1 + "\n" + secret1, pair},
		{"terraform", "provider \"aws\" {\n  access_key = \"" + id1 + "\"\n  secret_key = \"" + secret1 + "\"\n}", pair},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, hits(tc.text)); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestFindFalsePositives(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"git shas", "commit 5b3c0d1e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c\nsecret: 0f7bc766052a5a0ee28a393d51d2370f96d8ceb8\nMerge: 78981922613b2afb6025042ff6bd878ac1994e85"},
		{"random hex near keyword", "client_secret = \"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\""},
		{"base64 blob", "secret: " + strings.Repeat("TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuIFRoZSBxdWljayBicm93biBmb3gg", 4) + "=="},
		{"base64 40 chars then padding", "secret = dGhpcyBpcyBhIHNlY3JldCB0aGF0IGlzIGxvbmdl==\n"},
		{"uuids", "secret_id: 123e4567-e89b-12d3-a456-426614174000 f47ac10b-58cc-4372-a567-0e02b2c3d479"},
		{"role and user ids", "AROAQ3EGYOJ2BMYTCHM4 AIDAQ3EGYOJ2BMYTCHM4 AGPAQ3EGYOJ2BMYTCHM4 ANPAQ3EGYOJ2BMYTCHM4 AIPAQ3EGYOJ2BMYTCHM4 ANVAQ3EGYOJ2BMYTCHM4"},
		{"documentation keys", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
		{"placeholder id", "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX\nAWS_SECRET_ACCESS_KEY=<your secret>"},
		{"id inside a longer word", "XAKIAQ3EGYOJ2BMYTCHM4 AKIAQ3EGYOJ2BMYTCHM4Z AKIAQ3EGYOJ2BMYTCHM"},
		{"id with non-base32", "AKIAQ3EGYOJ2BMYTCHM1 AKIAq3EGYOJ2BMYTCHM4"},
		{"minified js", "var a=\"secret\",b=\"" + strings.Repeat("aB3dE5gH7jK9mN1pQ3sT5vW7yZ", 3) + "\";function c(){return a+b}"},
		{"low-entropy mixed case", "secret: AbCdEfGhIjKlAbCdEfGhIjKlAbCdEfGhIjKlAbCd"},
		{"lowercase token", "secret=" + "abcdefghij0123456789klmnopqrst9876543210"},
		{"sentence after keyword", "the secret is that there is no secret at all, really; nothing to see here"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hits(tc.text); len(got) != 0 {
				t.Errorf("Find(%q) = %+v, want nothing", tc.text, got)
			}
		})
	}
}

func TestEntropy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"", 0}, {"aaaa", 0}, {"abab", 1}, {"abcd", 2}, {"0123456789abcdef", 4}} {
		if got := Entropy([]byte(tc.in)); got != tc.want {
			t.Errorf("Entropy(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// BenchmarkFind: source text with keyword and prefix bait, a key per 64 KiB.
func BenchmarkFind(b *testing.B) {
	data := benchText()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Find(data)
	}
}

// BenchmarkFindKeys is Find and the search for escaped keys, as scans run.
func BenchmarkFindKeys(b *testing.B) {
	data := benchText()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		findKeys(data)
	}
}

func benchText() []byte {
	var sb strings.Builder
	for i := 0; sb.Len() < 8<<20; i++ {
		sb.WriteString("\tresult, err := client.DoSomething(ctx, &Input{Name: aws.String(name), Index: i}) // AROAQ3EGYOJ2BMYTCHM4\n")
		if i%16 == 0 {
			sb.WriteString("\tsecret := os.Getenv(\"APP_SECRET\") // commit 0f7bc766052a5a0ee28a393d51d2370f96d8ceb8\n")
		}
		if i%640 == 0 {
			sb.WriteString(ini(id1, secret1))
		}
	}
	return []byte(sb.String())
}
