package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/oklog/ulid/v2"

	"github.com/keyless-dev/keyless/internal/elevation"
)

// The machines themselves, against the sandbox: records written through
// the requester's and the approver's own KeylessElevation sessions, the
// referee and the ender run by the sandbox's Step Functions as their roles,
// expiry by the sandbox's Scheduler with no keyless running. The clock is
// the sandbox's, moved by the test.

const (
	elevHome    = "111111111111"
	elevProd    = "333333333333"
	elevStaging = "444444444444"
)

var elevNonce = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// elevPerson is a user signed in to the portal with their KeylessElevation
// session in the home account.
type elevPerson struct {
	name   string
	userID string // aws:userid, role-id:user-name: their records' pk
	cfg    aws.Config
	db     *dynamodb.Client
	sfn    *sfn.Client
	token  *string // the portal's access token
	now    func() time.Time
}

// signIn signs user in through the device flow (approved on the sandbox's
// page as that user) and takes their KeylessElevation role credentials.
func (e *elevationEnv) signIn(user string) *elevPerson {
	t := e.t
	t.Helper()
	ctx := context.Background()
	oidc := ssooidc.NewFromConfig(e.admin)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("elevation-test"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	start, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		StartUrl: aws.String(e.url + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	ids := identitystore.NewFromConfig(e.admin)
	uid, err := ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String("d-1111111111"),
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{AttributePath: aws.String("userName"),
			AttributeValue: elevDoc(user)}}})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar}
	resp, err := web.Get(e.url + "/device?user_code=" + url.QueryEscape(aws.ToString(start.UserCode)))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := elevNonce.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no nonce on the device page:\n%s", page)
	}
	resp, err = web.PostForm(e.url+"/device", url.Values{"nonce": {string(m[1])}, "user_code": {aws.ToString(start.UserCode)}, "user_id": {aws.ToString(uid.UserId)}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("approve the device as %s: %v %v", user, resp.Status, err)
	}
	resp.Body.Close()
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: start.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := sso.NewFromConfig(e.admin).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String(elevHome), RoleName: aws.String(elevation.PermissionSetName)})
	if err != nil {
		t.Fatalf("%s's %s credentials: %v", user, elevation.PermissionSetName, err)
	}
	rc := creds.RoleCredentials
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"), awsconfig.WithBaseEndpoint(e.url),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))))
	if err != nil {
		t.Fatal(err)
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return &elevPerson{name: user, userID: aws.ToString(who.UserId), cfg: cfg, db: dynamodb.NewFromConfig(cfg), sfn: sfn.NewFromConfig(cfg), token: tok.AccessToken, now: e.clock.Now}
}

func elevDoc(s string) document.Interface { return document.NewLazyDocument(s) }

// elevRequest is a request record as a requester's client writes it.
type elevRequest struct {
	pk, sk, rule, set, account, reason, ticket string
	seconds                                    int
}

func (r elevRequest) digest() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"v1", r.pk, r.sk, r.rule, r.set, r.account, strconv.Itoa(r.seconds), r.reason, r.ticket}, "|")))
	return hex.EncodeToString(sum[:])
}

func ddbS(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }

// requestID is a request id made at at, as a client makes it (a ULID: the
// time, then 16 characters; here n, for ids a test can tell apart).
func requestID(at time.Time, n string) string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(at)); err != nil {
		panic(err)
	}
	return id.String()[:10] + fmt.Sprintf("%016s", n)
}

// ask writes a elevRequest as p, in p's partition, made now (id tells
// the test's requests apart).
func (p *elevPerson) ask(t *testing.T, id, rule, account string, seconds int) elevRequest {
	t.Helper()
	r := elevRequest{pk: p.userID, sk: "REQ#" + requestID(p.now(), id), rule: rule, set: "ProdAdmin", account: account, reason: "incident", seconds: seconds}
	_, err := p.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName),
		Item: map[string]ddbtypes.AttributeValue{"pk": ddbS(r.pk), "sk": ddbS(r.sk), "rule": ddbS(r.rule), "permission_set": ddbS(r.set),
			"account": ddbS(r.account), "seconds": &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(seconds)}, "reason": ddbS(r.reason), "ticket": ddbS("")},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		t.Fatalf("%s's request: %v", p.name, err)
	}
	return r
}

// decide writes p's decision on r and starts decide as p; it returns the
// execution's outcome once it has ended.
func (e *elevationEnv) decide(p *elevPerson, r elevRequest, decision string) *sfn.DescribeExecutionOutput {
	t := e.t
	t.Helper()
	ctx := context.Background()
	dsk := "DEC#" + r.pk + "#" + r.sk
	if _, err := p.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName),
		Item: map[string]ddbtypes.AttributeValue{"pk": ddbS(p.userID), "sk": ddbS(dsk), "decision": ddbS(decision), "comment": ddbS(""), "digest": ddbS(r.digest())}}); err != nil {
		t.Fatalf("%s's decision: %v", p.name, err)
	}
	in, _ := json.Marshal(map[string]any{"request": map[string]string{"pk": r.pk, "sk": r.sk}, "decision": map[string]string{"pk": p.userID, "sk": dsk}})
	sum := sha256.Sum256([]byte(r.pk + r.sk + p.userID + dsk + strconv.FormatInt(e.clock.Now().UnixNano(), 10)))
	return e.execute(p, elevation.DecideMachine, "d-"+hex.EncodeToString(sum[:])[:64], string(in))
}

// revoke writes p's revoke ask for r and starts end as p.
func (e *elevationEnv) revoke(p *elevPerson, r elevRequest) *sfn.DescribeExecutionOutput {
	t := e.t
	t.Helper()
	rsk := "REV#" + r.pk + "#" + r.sk
	if _, err := p.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName),
		Item: map[string]ddbtypes.AttributeValue{"pk": ddbS(p.userID), "sk": ddbS(rsk)}}); err != nil {
		t.Fatalf("%s's revoke ask: %v", p.name, err)
	}
	in, _ := json.Marshal(map[string]any{"revoke": map[string]string{"pk": p.userID, "sk": rsk}})
	return e.execute(p, elevation.EndMachine, fmt.Sprintf("r-%d", e.clock.Now().UnixNano()), string(in))
}

// execute starts a machine as p and waits for its end, running the
// sandbox's due work (Wait states) as the clock moves.
func (e *elevationEnv) execute(p *elevPerson, machine, name, input string) *sfn.DescribeExecutionOutput {
	t := e.t
	t.Helper()
	ctx := context.Background()
	arn := fmt.Sprintf("arn:aws:states:us-east-1:%s:stateMachine:%s", elevHome, machine)
	run, err := p.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String(name), Input: aws.String(input)})
	if err != nil {
		t.Fatalf("%s starts %s: %v", p.name, machine, err)
	}
	return e.wait(p.sfn, aws.ToString(run.ExecutionArn))
}

func (e *elevationEnv) wait(c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t := e.t
	t.Helper()
	// The sandbox runs an execution in its own goroutine until it waits:
	// the clock moves 2 s (a Wait state's) every 200 ms of real time, so
	// a slow machine slows the test but does not change what it sees.
	deadline := time.Now().Add(time.Minute)
	for i := 1; time.Now().Before(deadline); i++ {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		if i%20 == 0 {
			e.clock.Add(2 * time.Second)
			e.runDue()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("execution %s still running after a minute", arn)
	return nil
}

// settle waits for every execution of the two machines to end.
func (e *elevationEnv) settle() {
	t := e.t
	t.Helper()
	c := sfn.NewFromConfig(e.admin)
	deadline := time.Now().Add(time.Minute)
	for i := 1; time.Now().Before(deadline); i++ {
		running := 0
		for _, m := range []string{elevation.DecideMachine, elevation.EndMachine} {
			out, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StatusFilter: sfntypes.ExecutionStatusRunning,
				StateMachineArn: aws.String(fmt.Sprintf("arn:aws:states:us-east-1:%s:stateMachine:%s", elevHome, m))})
			if err != nil {
				t.Fatal(err)
			}
			running += len(out.Executions)
		}
		if running == 0 {
			return
		}
		if i%20 == 0 {
			e.clock.Add(2 * time.Second)
			e.runDue()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("executions still running after a minute")
}

// runDue asks the sandbox to run what is due: schedules and waits.
func (e *elevationEnv) runDue() []map[string]any {
	resp, err := http.Post(e.url+"/_sandbox/scheduler/run", "application/json", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Invocations []map[string]any `json:"invocations"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Invocations
}

// assigned tells whether user holds ProdAdmin in account.
func (e *elevationEnv) assigned(user, account string) bool {
	t := e.t
	t.Helper()
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(e.admin)
	sets, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(elevInstance)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range sets.PermissionSets {
		d, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(elevInstance), PermissionSetArn: aws.String(ps)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.PermissionSet.Name) != "ProdAdmin" {
			continue
		}
		out, err := admin.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(elevInstance), PermissionSetArn: aws.String(ps), AccountId: aws.String(account)})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.AccountAssignments {
			if aws.ToString(a.PrincipalId) == e.storeID(user) {
				return true
			}
		}
	}
	return false
}

const elevInstance = "arn:aws:sso:::instance/ssoins-1111111111111111"

func (e *elevationEnv) storeID(user string) string {
	out, err := identitystore.NewFromConfig(e.admin).GetUserId(context.Background(), &identitystore.GetUserIdInput{IdentityStoreId: aws.String("d-1111111111"),
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{AttributePath: aws.String("userName"),
			AttributeValue: elevDoc(user)}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.UserId)
}

// expiry is the assignment's expiry schedule expression, "" when none.
func (e *elevationEnv) expiry(user, account string) string {
	sch := scheduler.NewFromConfig(e.admin)
	out, err := sch.ListSchedules(context.Background(), &scheduler.ListSchedulesInput{GroupName: aws.String(elevation.ExpiryGroup)})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, sc := range out.Schedules {
		got, err := sch.GetSchedule(context.Background(), &scheduler.GetScheduleInput{GroupName: aws.String(elevation.ExpiryGroup), Name: sc.Name})
		if err != nil {
			e.t.Fatal(err)
		}
		if in := aws.ToString(got.Target.Input); strings.Contains(in, e.storeID(user)) && strings.Contains(in, account) {
			return aws.ToString(got.ScheduleExpression)
		}
	}
	return ""
}

func elevOutcome(out *sfn.DescribeExecutionOutput) string {
	if out.Status == sfntypes.ExecutionStatusSucceeded {
		var v struct {
			Outcome string `json:"outcome"`
		}
		_ = json.Unmarshal([]byte(aws.ToString(out.Output)), &v)
		return v.Outcome
	}
	return string(out.Status) + " " + aws.ToString(out.Error) + ": " + aws.ToString(out.Cause)
}

func TestElevationMachines(t *testing.T) {
	e := newElevationEnv(t, elevationFile)
	e.mustApply()
	carol, dave := e.signIn("carol@example.com"), e.signIn("dave@example.com")

	// Approved: the assignment, and its expiry an hour after the decision.
	r1 := carol.ask(t, "01", "prod-admin", elevProd, 3600)
	decidedAt := e.clock.Now()
	if got := elevOutcome(e.decide(dave, r1, "approve")); got != "granted" {
		t.Fatalf("dave approves carol's request: %s", got)
	}
	if !e.assigned("carol@example.com", elevProd) {
		t.Fatal("carol holds no ProdAdmin in prod after approval")
	}
	want := "at(" + decidedAt.Add(time.Hour).UTC().Format("2006-01-02T15:04:05") + ")"
	if got := e.expiry("carol@example.com", elevProd); got != want {
		t.Errorf("expiry = %q, want %q", got, want)
	}
	// A replay of the same approval, and a second approver: one decision.
	if got := elevOutcome(e.decide(dave, r1, "approve")); !strings.Contains(got, elevation.ErrAlreadyDecided) {
		t.Errorf("replay: %s", got)
	}
	// Carol cannot approve her own (not in self_approval for prod-admin).
	r2 := carol.ask(t, "02", "prod-admin", elevProd, 7200)
	if got := elevOutcome(e.decide(carol, r2, "approve")); !strings.Contains(got, elevation.ErrSelfApproval) {
		t.Errorf("carol approves herself: %s", got)
	}

	// Overlap: a longer grant a few minutes later keeps the assignment to
	// its end; the first's expiry does not end it.
	e.clock.Add(10 * time.Minute)
	r3 := carol.ask(t, "03", "prod-admin", elevProd, 7200)
	if got := elevOutcome(e.decide(dave, r3, "approve")); got != "granted" {
		t.Fatalf("second grant: %s", got)
	}
	want = "at(" + e.clock.Now().Add(2*time.Hour).UTC().Format("2006-01-02T15:") // the decision's waits move the clock by seconds
	if got := e.expiry("carol@example.com", elevProd); !strings.HasPrefix(got, want) {
		t.Errorf("expiry after the longer grant = %q, want %s...", got, want)
	}
	e.clock.Add(time.Hour) // past the first grant's end
	e.runDue()
	if !e.assigned("carol@example.com", elevProd) {
		t.Fatal("the first grant's end removed the assignment the second still gives")
	}
	// Sessions last an hour: everyone signs in again.
	carol, dave = e.signIn("carol@example.com"), e.signIn("dave@example.com")
	alice := e.signIn("alice@example.com")

	// Deny stops at the decision.
	r4 := carol.ask(t, "04", "prod-admin", elevProd, 1800)
	if got := elevOutcome(e.decide(dave, r4, "deny")); got != "denied" {
		t.Errorf("deny: %s", got)
	}

	// Break-glass: alice approves herself, in staging; expiry with no
	// keyless running: the Scheduler's call removes the assignment.
	g := alice.ask(t, "05", "break-glass", elevStaging, 1800)
	if got := elevOutcome(e.decide(alice, g, "approve")); got != "granted" {
		t.Fatalf("break-glass self-approval: %s", got)
	}
	if !e.assigned("alice@example.com", elevStaging) {
		t.Fatal("alice holds no ProdAdmin in staging")
	}
	e.clock.Add(31 * time.Minute)
	ran := e.runDue()
	if e.assigned("alice@example.com", elevStaging) {
		t.Fatalf("the expiry schedule did not remove alice's assignment: %v", ran)
	}
	// The cut schedule started end, which cut alice's sessions of the set.
	e.settle()
	if pol := e.inlinePolicy(); !strings.Contains(pol, "KeylessCut") || !strings.Contains(pol, e.storeID("alice@example.com")) {
		t.Errorf("no cut statement for alice after expiry:\n%s", pol)
	}

	// Revoke: carol ends her running grant early; it goes and her sessions
	// are cut: one issued before the revoke is refused after it.
	ctx := context.Background()
	creds, err := sso.NewFromConfig(e.admin).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: carol.token,
		AccountId: aws.String(elevProd), RoleName: aws.String("ProdAdmin")})
	if err != nil {
		t.Fatalf("carol's ProdAdmin session in prod: %v", err)
	}
	rc := creds.RoleCredentials
	elevated, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"), awsconfig.WithBaseEndpoint(e.url),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(elevated).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("carol's elevated session before the revoke: %v", err)
	}
	e.clock.Add(time.Second) // the cut is for tokens issued before it
	if got := elevOutcome(e.revoke(carol, r3)); got != "revoked" {
		t.Fatalf("revoke: %s", got)
	}
	if e.assigned("carol@example.com", elevProd) {
		t.Error("carol still holds ProdAdmin in prod after revoke")
	}
	if got := e.expiry("carol@example.com", elevProd); got != "" {
		t.Errorf("expiry schedule left after revoke: %s", got)
	}
	if pol := e.inlinePolicy(); !strings.Contains(pol, e.storeID("carol@example.com")) {
		t.Errorf("no cut statement for carol after revoke:\n%s", pol)
	}
	if _, err := iam.NewFromConfig(elevated).ListRoles(ctx, &iam.ListRolesInput{}); err == nil || !strings.Contains(err.Error(), "explicit deny") {
		t.Errorf("carol's session issued before the revoke, after it: %v; want AccessDenied with an explicit deny", err)
	}
}

// TestElevationSweep: an administrator deletes a grant's schedules; the
// sweep (every 15 minutes, no keyless running) still ends it.
func TestElevationSweep(t *testing.T) {
	e := newElevationEnv(t, elevationFile)
	e.mustApply()
	carol, dave := e.signIn("carol@example.com"), e.signIn("dave@example.com")
	r := carol.ask(t, "01", "prod-admin", elevProd, 900)
	if got := elevOutcome(e.decide(dave, r, "approve")); got != "granted" {
		t.Fatalf("approve: %s", got)
	}
	sch := scheduler.NewFromConfig(e.admin)
	for _, group := range []string{elevation.ExpiryGroup, elevation.CutGroup} {
		out, err := sch.ListSchedules(context.Background(), &scheduler.ListSchedulesInput{GroupName: aws.String(group)})
		if err != nil || len(out.Schedules) != 1 {
			t.Fatalf("%s: %v %v", group, out, err)
		}
		if _, err := sch.DeleteSchedule(context.Background(), &scheduler.DeleteScheduleInput{GroupName: aws.String(group), Name: out.Schedules[0].Name}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Add(16 * time.Minute)
	if !e.assigned("carol@example.com", elevProd) {
		t.Fatal("the assignment went before the sweep ran")
	}
	for range 3 { // the sweep's execution, to its end
		e.runDue()
		e.settle()
		if !e.assigned("carol@example.com", elevProd) {
			break
		}
		e.clock.Add(15 * time.Minute)
	}
	if e.assigned("carol@example.com", elevProd) {
		t.Fatal("the sweep did not end a grant whose schedules were deleted")
	}
	if pol := e.inlinePolicy(); !strings.Contains(pol, e.storeID("carol@example.com")) {
		t.Errorf("the sweep did not cut carol's sessions:\n%s", pol)
	}
}

func (e *elevationEnv) inlinePolicy() string {
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(e.admin)
	sets, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(elevInstance)})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ps := range sets.PermissionSets {
		d, _ := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(elevInstance), PermissionSetArn: aws.String(ps)})
		if aws.ToString(d.PermissionSet.Name) == "ProdAdmin" {
			out, err := admin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(elevInstance), PermissionSetArn: aws.String(ps)})
			if err != nil {
				e.t.Fatal(err)
			}
			return aws.ToString(out.InlinePolicy)
		}
	}
	return ""
}
