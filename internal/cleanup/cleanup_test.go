package cleanup

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/audit"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// t0 is when the first cleanup runs.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) *time.Time {
	t := t0.Add(-time.Duration(n) * 24 * time.Hour)
	return &t
}

// clock is the sandbox's and the plan's clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Keys the test signs with: the caller's, and one a "workload" keeps using.
const (
	adminKey, adminSecret = "AKIAADMINADMINADMIN2", "adminsecretadminsecretadminsecretadmin00"
	busyKey, busySecret   = "AKIABUSYBUSYBUSYBUSY", "busysecretbusysecretbusysecretbusysecre0"
)

// seededWorld has an IAM user for every rule cleanup applies, in the
// management account, and Identity Center users some of them moved to.
func seededWorld() *sandbox.Seed {
	key := func(created, lastUsed *time.Time) sandbox.SeedAccessKey {
		return sandbox.SeedAccessKey{Created: created, LastUsed: lastUsed, LastUsedService: "s3", LastUsedRegion: "eu-west-1"}
	}
	return &sandbox.Seed{
		ManagementAccount:     "111111111111",
		CentralizedRootAccess: true,
		Accounts: []sandbox.SeedAccount{
			{ID: "111111111111", Name: "management", Root: &sandbox.SeedRoot{AccessKeysPresent: true}, IAMUsers: []sandbox.SeedIAMUser{
				{Name: "admin", Created: daysAgo(400), AccessKeys: []sandbox.SeedAccessKey{{ID: adminKey, Secret: adminSecret, Created: daysAgo(300), LastUsed: daysAgo(1)}}},
				{Name: "old-key", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{{ID: busyKey, Secret: busySecret, Created: daysAgo(200), LastUsed: daysAgo(1)}}},
				{Name: "unused-key", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(100), daysAgo(60))}},
				{Name: "never-used", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(50), nil)}},
				{Name: "fresh", Created: daysAgo(10), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(10), daysAgo(1))}},
				{Name: "two-keys", Created: daysAgo(20), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(20), daysAgo(0)), key(daysAgo(20), daysAgo(3))}},
				{Name: "carol", Created: daysAgo(500), Password: true, MFA: true, Policies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
					AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(30), daysAgo(2))}},
				{Name: "dave", Created: daysAgo(500), Password: true},
				{Name: "erin", Created: daysAgo(500), Password: true},
			}},
			{ID: "222222222222", Name: "dev", Root: &sandbox.SeedRoot{AccessKeysPresent: true, MFAEnabled: true}},
			{ID: "333333333333", Name: "prod", Root: &sandbox.SeedRoot{MFAEnabled: true, HardwareMFA: true}},
		},
		Users: []sandbox.SeedUser{
			{UserName: "carol", GivenName: "Carol", FamilyName: "Roe", Email: "carol@example.com"},
			{UserName: "dsmith", GivenName: "Dave", FamilyName: "Smith", Email: "dave.smith@example.com"},
			{UserName: "erin", GivenName: "Erin", FamilyName: "Poe", Email: "erin@example.com"},
			{UserName: "admin", GivenName: "Ad", FamilyName: "Min", Email: "admin@example.com"},
		},
		Groups:         []sandbox.SeedGroup{{Name: "SuperAdmins", Members: []string{"dsmith", "admin"}}},
		PermissionSets: []sandbox.SeedPermissionSet{{Name: "SuperAdmin"}, {Name: "ReadOnly"}},
		Assignments: []sandbox.SeedAssignment{
			{PermissionSet: "SuperAdmin", Group: "SuperAdmins", Accounts: []string{"all"}},
			{PermissionSet: "ReadOnly", User: "carol", Accounts: []string{"222222222222"}},
		},
	}
}

func sdkConfig(t *testing.T, url, id, secret string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")),
		config.WithBaseEndpoint(url),
		config.WithRetryer(testtool.RetryConnectionErrors),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is a sandbox with the seeded world, carol given every kind of
// dependent, and dave tagged with his Identity Center email.
type world struct {
	clock *clock
	url   string
	cfg   aws.Config // signed with the admin IAM user's key
	iam   *iam.Client
	home  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clock: &clock{t: t0}, home: t.TempDir()}
	_, w.url = sandboxtest.Start(t, sandbox.Options{Seed: seededWorld(), Now: w.clock.Now})
	w.cfg = sdkConfig(t, w.url, adminKey, adminSecret)
	w.iam = iam.NewFromConfig(w.cfg)
	ctx := context.Background()
	c, carol := w.iam, aws.String("carol")
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")})
	must(t, err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: carol})
	must(t, err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: carol, PolicyName: aws.String("inline"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	must(t, err)
	_, err = c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: carol, CertificateBody: aws.String(testCert(t))})
	must(t, err)
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: carol, SSHPublicKeyBody: aws.String(testSSHKey(t))})
	must(t, err)
	_, err = c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: carol, ServiceName: aws.String("codecommit.amazonaws.com")})
	must(t, err)
	_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: carol, Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}}})
	must(t, err)
	_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("dave"), Tags: []iamtypes.Tag{{Key: aws.String("Email"), Value: aws.String("Dave.Smith@example.com")}}})
	must(t, err)
	return w
}

func testCert(t *testing.T) string {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "carol"}, NotBefore: t0, NotAfter: t0.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func testSSHKey(t *testing.T) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	var blob []byte
	for _, part := range [][]byte{[]byte("ssh-ed25519"), pub} {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(part)))
		blob = append(blob, part...)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " carol@laptop"
}

// plan collects the account as the admin user and plans at the clock's time.
func (w *world) plan(t *testing.T, in Input) *Plan {
	t.Helper()
	ctx := context.Background()
	c := audit.NewClients(w.cfg)
	c.IdentityCenter = ic.NewClients(w.cfg, ic.Limits{SSOAdmin: 1000, IdentityStore: 1000, Organizations: 1000, MaxAttempts: 1, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	st, err := audit.Collect(ctx, c, audit.CollectOptions{Now: w.clock.Now, ReportPoll: time.Millisecond})
	must(t, err)
	var names []string
	for _, u := range st.Users {
		names = append(names, u.Name)
	}
	tags, err := ReadTags(ctx, w.iam, names)
	must(t, err)
	in.State, in.Tags, in.CallerKeyID, in.Now, in.DeleteAfter = st, tags, adminKey, w.clock.Now(), DefaultDeleteAfter
	return Build(in)
}

func (w *world) executor() *Executor {
	return &Executor{IAM: w.iam, STS: sts.NewFromConfig(w.cfg), Now: w.clock.Now,
		BackupDir: filepath.Join(w.home, "backups"), Log: &AuditLog{Path: filepath.Join(w.home, "audit.log")}}
}

// row is an action reduced to what the tables compare; key ids are the
// sandbox's, so a key is named by its user.
type row struct{ Kind, Target, State string }

func rows(p *Plan) []row {
	var out []row
	for _, a := range p.Actions {
		target := a.Target
		if a.KeyID != "" && a.Kind != MoveLocalKeys {
			target = a.User + "/key"
		}
		out = append(out, row{string(a.Kind), target, string(a.State)})
	}
	return out
}

func keyOf(t *testing.T, c *iam.Client, user string) []iamtypes.AccessKeyMetadata {
	t.Helper()
	out, err := c.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	must(t, err)
	return out.AccessKeyMetadata
}

func TestCleanupKeysAndUsers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	p := w.plan(t, Input{Only: All})
	want := []row{
		{"root-console-steps", "root", "manual"},
		{"deactivate-key", "admin/key", "refused"},
		{"delete-user", "admin", "refused"},
		{"deactivate-key", "old-key/key", "ready"},
		{"delete-user", "old-key", "refused"},
		{"deactivate-key", "unused-key/key", "ready"},
		{"delete-user", "unused-key", "refused"},
		{"deactivate-key", "never-used/key", "ready"},
		{"delete-user", "never-used", "refused"},
		{"delete-user", "fresh", "refused"},
		{"deactivate-key", "two-keys/key", "ready"},
		{"delete-user", "two-keys", "refused"},
		{"deactivate-key", "carol/key", "ready"},
		{"delete-user", "carol", "waiting"},
		{"delete-user", "dave", "ready"},
		{"delete-user", "erin", "refused"},
	}
	if diff := cmp.Diff(want, rows(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	byTarget := func(p *Plan, kind Kind, user string) Action {
		i := slices.IndexFunc(p.Actions, func(a Action) bool { return a.Kind == kind && a.User == user })
		if i < 0 {
			t.Fatalf("no %s %s in the plan", kind, user)
		}
		return p.Actions[i]
	}
	// Reasons and refusals say why, naming the rule.
	for _, c := range []struct {
		kind       Kind
		user, want string
	}{
		{DeactivateKey, "admin", "these credentials use"},
		{DeleteUser, "admin", "lock you out"},
		{DeactivateKey, "old-key", "older than 90 days"},
		{DeactivateKey, "never-used", "never used, created"},
		{DeactivateKey, "two-keys", "second active key"},
		{DeactivateKey, "carol", "moving to Identity Center"},
		{DeleteUser, "erin", "has no account assignment"},
		{DeleteUser, "fresh", "no Identity Center user matches"},
		{DeleteUser, "carol", "its access keys first"},
	} {
		a := byTarget(p, c.kind, c.user)
		if !strings.Contains(a.Reason+" "+a.Why, c.want) {
			t.Errorf("%s %s: reason %q, why %q; want %q", c.kind, c.user, a.Reason, a.Why, c.want)
		}
	}
	if a := byTarget(p, DeleteUser, "dave"); a.Match != "dsmith" {
		t.Errorf("dave matched %q, want dsmith (by his Email tag)", a.Match)
	}
	// The two-keys user keeps the key used today and loses the other.
	twoKeys := keyOf(t, w.iam, "two-keys")
	if got := byTarget(p, DeactivateKey, "two-keys").KeyID; got != aws.ToString(twoKeys[1].AccessKeyId) {
		t.Errorf("two-keys: deactivates %s, want the one used least recently %s", got, aws.ToString(twoKeys[1].AccessKeyId))
	}

	// A workload uses old-key's key after the plan was made: it is left alone.
	w.clock.Set(t0.Add(time.Minute))
	_, err := sts.NewFromConfig(sdkConfig(t, w.url, busyKey, busySecret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)

	res, err := w.executor().Run(ctx, p)
	must(t, err)
	outcome := map[string]string{}
	for _, r := range res {
		outcome[string(r.Action.Kind)+" "+r.Action.User] = r.Outcome
	}
	if outcome["deactivate-key old-key"] != "skipped" || outcome["deactivate-key unused-key"] != "done" || outcome["delete-user dave"] != "done" ||
		outcome["deactivate-key admin"] != "refused" {
		t.Errorf("outcomes = %v", outcome)
	}
	if k := keyOf(t, w.iam, "old-key"); k[0].Status != iamtypes.StatusTypeActive {
		t.Errorf("old-key's key, used since the plan, is %s", k[0].Status)
	}
	for _, u := range []string{"unused-key", "never-used", "carol"} {
		k := keyOf(t, w.iam, u)
		tags, err := ReadTags(ctx, w.iam, []string{u})
		must(t, err)
		if k[0].Status != iamtypes.StatusTypeInactive || tags[u][DeactivatedTag(aws.ToString(k[0].AccessKeyId))] != t0.Add(time.Minute).Format(time.RFC3339) {
			t.Errorf("%s: key %s, tags %v", u, k[0].Status, tags[u])
		}
	}
	if k := keyOf(t, w.iam, "admin"); k[0].Status != iamtypes.StatusTypeActive {
		t.Error("the caller's key was deactivated")
	}
	if _, err := w.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dave")}); !isNoSuchEntity(err) {
		t.Errorf("dave still exists: %v", err)
	}

	// Every action, refusals too, is in the audit log.
	log, err := os.ReadFile(filepath.Join(w.home, "audit.log"))
	must(t, err)
	if lines := strings.Count(string(log), "\n"); lines != len(p.Actions) {
		t.Errorf("audit log has %d lines for %d actions", lines, len(p.Actions))
	}
	var first Record
	must(t, json.Unmarshal([]byte(strings.SplitN(string(log), "\n", 2)[0]), &first))
	if first.Account != "111111111111" || first.Caller != "arn:aws:iam::111111111111:user/admin" || first.Result != "manual" {
		t.Errorf("first audit record = %+v", first)
	}

	// A re-run at once has nothing to do: the keys wait for the grace period.
	p = w.plan(t, Input{})
	if n := p.Ready(); n != 1 || byTarget(p, DeactivateKey, "old-key").State != Ready {
		t.Errorf("re-run: %d ready actions, want only old-key's key (skipped before): %v", n, rows(p))
	}
	if a := byTarget(p, DeleteKey, "unused-key"); a.State != Waiting || !strings.Contains(a.Why, "deletable from 2026-05-08T12:01:00Z") {
		t.Errorf("unused-key delete: %s %q", a.State, a.Why)
	}

	// After the grace period, the keys go, and carol with a backup.
	w.clock.Set(t0.Add(8 * 24 * time.Hour))
	p = w.plan(t, Input{Only: Users})
	if diff := cmp.Diff([]row{
		{"delete-user", "admin", "refused"},
		{"delete-user", "old-key", "refused"},
		{"delete-user", "unused-key", "refused"},
		{"delete-user", "never-used", "refused"},
		{"delete-user", "fresh", "refused"},
		{"delete-user", "two-keys", "refused"},
		{"delete-user", "carol", "ready"},
		{"delete-user", "erin", "refused"},
	}, rows(p)); diff != "" {
		t.Errorf("--only users after the grace period (-want +got):\n%s", diff)
	}
	p = w.plan(t, Input{Only: Keys})
	if diff := cmp.Diff([]row{
		{"deactivate-key", "admin/key", "refused"},
		{"deactivate-key", "old-key/key", "ready"},
		{"delete-key", "unused-key/key", "ready"},
		{"delete-key", "never-used/key", "ready"},
		{"delete-key", "two-keys/key", "ready"},
	}, rows(p)); diff != "" {
		t.Errorf("--only keys after the grace period (-want +got):\n%s", diff)
	}
	p = w.plan(t, Input{})
	carolKey := aws.ToString(keyOf(t, w.iam, "carol")[0].AccessKeyId)
	res, err = w.executor().Run(ctx, p)
	must(t, err)
	var backup string
	for _, r := range res {
		if r.Outcome == "failed" {
			t.Errorf("%s %s failed: %s", r.Action.Kind, r.Action.Target, r.Detail)
		}
		if r.Action.User == "carol" {
			backup = r.Backup
		}
	}
	if _, err := w.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carol")}); !isNoSuchEntity(err) {
		t.Errorf("carol still exists: %v", err)
	}
	if k := keyOf(t, w.iam, "unused-key"); len(k) != 0 {
		t.Errorf("unused-key's key not deleted: %v", k)
	}
	if tags, _ := ReadTags(ctx, w.iam, []string{"unused-key"}); len(tags["unused-key"]) != 0 {
		t.Errorf("unused-key's tag left behind: %v", tags)
	}

	// The backup has everything carol had, and no secret.
	fi, err := os.Stat(backup)
	must(t, err)
	if fi.Mode().Perm() != 0o600 || !strings.HasPrefix(backup, filepath.Join(w.home, "backups", "111111111111", "carol-")) {
		t.Errorf("backup %s mode %v", backup, fi.Mode())
	}
	raw, err := os.ReadFile(backup)
	must(t, err)
	var bk Backup
	must(t, json.Unmarshal(raw, &bk))
	if bk.User.Name != "carol" || !slices.Equal(bk.Groups, []string{"ops"}) || !slices.Equal(bk.AttachedPolicies, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) ||
		len(bk.InlinePolicies) != 1 || !strings.Contains(string(bk.InlinePolicies[0].Document), `"s3:GetObject"`) ||
		len(bk.AccessKeys) != 1 || bk.AccessKeys[0].ID != carolKey || len(bk.MFADevices) != 1 || bk.LoginProfile == nil ||
		len(bk.SigningCertificates) != 1 || len(bk.SSHPublicKeys) != 1 || bk.SSHPublicKeys[0].Fingerprint == "" ||
		len(bk.ServiceCredentials) != 1 || bk.Tags["team"] != "data" || bk.Tags[DeactivatedTag(carolKey)] == "" {
		t.Errorf("backup:\n%s", raw)
	}
	if strings.Contains(strings.ToLower(string(raw)), "secret") || strings.Contains(strings.ToLower(string(raw)), "password\":") {
		t.Errorf("the backup holds a secret:\n%s", raw)
	}

	// old-key's key, unused since the second plan, was deactivated by it.
	if k := keyOf(t, w.iam, "old-key"); k[0].Status != iamtypes.StatusTypeInactive {
		t.Errorf("old-key's key is %s", k[0].Status)
	}
	// And again: nothing left to do.
	p = w.plan(t, Input{})
	if p.Ready() != 0 {
		t.Errorf("after cleanup, ready actions: %v", rows(p))
	}
}

func isNoSuchEntity(err error) bool {
	var e *iamtypes.NoSuchEntityException
	return errors.As(err, &e)
}

func TestRunRefusesAnotherAccount(t *testing.T) {
	w := newWorld(t)
	p := w.plan(t, Input{Only: Keys})
	p.Account = "222222222222"
	_, err := w.executor().Run(context.Background(), p)
	if !errors.Is(err, ErrWrongAccount) {
		t.Fatalf("err = %v, want ErrWrongAccount", err)
	}
	if k := keyOf(t, w.iam, "unused-key"); k[0].Status != iamtypes.StatusTypeActive {
		t.Error("a key changed although the account was wrong")
	}
}
