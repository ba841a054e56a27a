package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/elevation"
)

// elevationSession is user's KeylessElevation session: what a modified
// keyless, or the AWS CLI, can use.
func (w *elevWorld) elevationSession(user string) aws.Config {
	w.t.Helper()
	cfg, err := w.session(user, mgmtAccount, elevation.PermissionSetName)
	if err != nil {
		w.t.Fatal(err)
	}
	return cfg
}

func machineARN(name string) string {
	return "arn:aws:states:us-east-1:" + mgmtAccount + ":stateMachine:" + name
}

// startDecide starts decide as cfg's holder with any input and waits for
// its outcome.
func (w *elevWorld) startDecide(cfg aws.Config, name string, input any) (*sfn.DescribeExecutionOutput, error) {
	b, _ := json.Marshal(input)
	return w.start(cfg, machineARN(elevation.DecideMachine), name, string(b))
}

// start starts a machine as cfg's holder and waits for its outcome.
func (w *elevWorld) start(cfg aws.Config, machine, name, input string) (*sfn.DescribeExecutionOutput, error) {
	ctx := context.Background()
	st := sfn.NewFromConfig(cfg)
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := st.StartExecution(ctx, in)
	if err != nil {
		return nil, err
	}
	for {
		d, err := st.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
		if err != nil || d.Status != sfntypes.ExecutionStatusRunning {
			return d, err
		}
		w.pass(time.Second)
	}
}

// grantsOf counts the grant items of a request.
func (w *elevWorld) grantsOf(r elevation.Request) []map[string]string {
	var out []map[string]string
	for _, it := range w.items() {
		if strings.HasPrefix(it["pk"], "ASG#") && it["request_pk"] == r.PK && it["request_sk"] == r.SK {
			out = append(out, it)
		}
	}
	return out
}

// listed is r's entry in c's list of every request.
func listed(t *testing.T, c *elevation.Client, r elevation.Request) elevation.Entry {
	t.Helper()
	entries, err := c.List(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == r.ID() && e.Requester == r.Requester() {
			return e
		}
	}
	t.Fatalf("request %s is not listed", r.ID())
	return elevation.Entry{}
}

func TestElevationThreats(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	w := newElevWorld(t)
	ctx := context.Background()
	alice, bob, carol, erin, dave, frank := w.client("alice"), w.client("bob"), w.client("carol"), w.client("erin"), w.client("dave"), w.client("frank")
	aliceDB := dynamodb.NewFromConfig(w.elevationSession("alice"))

	// revokeAll ends what a subtest granted, so the next starts clean.
	revoke := func(t *testing.T, r elevation.Request) {
		t.Helper()
		if _, err := bob.Revoke(ctx, r, "test over"); err != nil {
			t.Fatalf("revoke %s: %v", r.ID(), err)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("still assigned after the revoke")
		}
	}

	t.Run("elevation_self_approve", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = alice.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SelfApprovalNotAllowed")
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 0 {
			t.Fatal("a self-approval granted")
		}
		// A self-approval is refused before USED#: an approver still may.
		if _, err := bob.Decide(ctx, r, elevation.Deny, "cleanup"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("elevation_forged_approver", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		forged := elevation.Decision{Key: elevation.DecisionKey(bob.Caller, r.Key), Decision: elevation.Approve, Digest: r.Digest()}
		carolCfg := w.elevationSession("carol")
		_, err = dynamodb.NewFromConfig(carolCfg).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName), Item: forged.Item()})
		wantAccessDenied(t, "carol writing a decision in bob's partition", err)
		// Asking the referee to read bob's (missing) decision.
		d, err := w.startDecide(carolCfg, "forged-"+r.ID(), map[string]elevation.Key{"request": r.Key, "decision": forged.Key})
		if err != nil || d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "NoRecord" {
			t.Fatalf("decide on a forged decision = %+v, %v; want FAILED NoRecord", d, err)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("a forged approval granted")
		}
		if _, err := bob.Decide(ctx, r, elevation.Deny, "cleanup"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("elevation_tampered_request", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		seen, err := bob.Find(ctx, r.ID())
		if err != nil {
			t.Fatal(err)
		}
		// alice makes it longer after bob looked (her own item: IAM allows it).
		longer := r
		longer.Seconds = 2 * 3600
		if _, err := aliceDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName), Item: longer.Item()}); err != nil {
			t.Fatalf("alice overwriting her own request: %v", err)
		}
		_, err = bob.Decide(ctx, seen, elevation.Approve, "")
		wantRefused(t, err, "RequestChanged")
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("a changed request was granted")
		}

		// Approved as it now is, then changed again: no regrant.
		now, err := bob.Find(ctx, r.ID())
		if err != nil || now.Seconds != 7200 {
			t.Fatalf("bob sees %+v, %v", now, err)
		}
		if _, err := bob.Decide(ctx, now, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		if e := listed(t, bob, r); e.Rewritten {
			t.Fatalf("approved as stored, listed as rewritten: %+v", e)
		}
		// Changed within the rule, and approved as changed: decided already.
		changed := now
		changed.Seconds, changed.Reason = 3600, "changed after the grant"
		if _, err := aliceDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName), Item: changed.Item()}); err != nil {
			t.Fatal(err)
		}
		_, err = erin.Decide(ctx, changed, elevation.Approve, "")
		wantRefused(t, err, "AlreadyDecided")
		// Changed to another account: outside the rule, and decided anyway.
		otherSet := now
		otherSet.Account, otherSet.Seconds = devAccount, 8*3600
		if _, err := aliceDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName), Item: otherSet.Item()}); err != nil {
			t.Fatal(err)
		}
		var re *elevation.RefusedError
		if _, err = erin.Decide(ctx, otherSet, elevation.Approve, ""); !errors.As(err, &re) {
			t.Fatalf("approving the request moved to dev: %v, want refused", err)
		}
		if gs := w.grantsOf(r); len(gs) != 1 || !strings.Contains(gs[0]["pk"], "#"+prodAccount+"#") {
			t.Fatalf("grants = %v, want the one in prod", gs)
		}
		if w.assigned("alice", devAccount, "AdministratorAccess") {
			t.Fatal("the tampered account was granted")
		}
		// What approvers and revokers are shown is what was decided, not
		// the rewrite: the referee's marker keeps the account and set.
		if e := listed(t, bob, r); !e.Rewritten || e.Account != prodAccount || e.Set != "AdministratorAccess" {
			t.Fatalf("the rewritten request is listed as %+v; want rewritten, in prod", e)
		}
		m, ok, err := bob.Decided(ctx, otherSet)
		if err != nil || !ok || !m.Rewritten(otherSet) || m.By != "bob@example.com" {
			t.Fatalf("marker = %+v, %v, %v; want rewritten, decided by bob", m, ok, err)
		}
		if got := bob.AsDecided(otherSet, m); got.Account != prodAccount || got.PermissionSet != "AdministratorAccess" {
			t.Fatalf("as decided = %s@%s, want AdministratorAccess@%s", got.PermissionSet, got.Account, prodAccount)
		}
		revoke(t, r)
	})

	t.Run("elevation_replay", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		out, err := bob.Decide(ctx, r, elevation.Approve, "")
		if err != nil {
			t.Fatal(err)
		}
		// The same decision started again under a new name: one decision per request.
		input := map[string]elevation.Key{"request": r.Key, "decision": elevation.DecisionKey(bob.Caller, r.Key)}
		d, err := w.startDecide(w.elevationSession("alice"), "replay-"+r.ID(), input)
		if err != nil || aws.ToString(d.Error) != "AlreadyDecided" {
			t.Fatalf("replayed decide = %+v, %v; want AlreadyDecided", d, err)
		}
		// Under the same name with other input: Step Functions refuses.
		name := out.ExecutionARN[strings.LastIndex(out.ExecutionARN, ":")+1:]
		_, err = w.startDecide(w.elevationSession("alice"), name, map[string]any{"request": r.Key})
		var exists *sfntypes.ExecutionAlreadyExists
		if !errors.As(err, &exists) {
			t.Fatalf("start under a used name = %v, want ExecutionAlreadyExists", err)
		}
		// bob's keyless asked again answers the execution that ran.
		if again, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil || again.ExecutionARN != out.ExecutionARN {
			t.Fatalf("approve again = %+v, %v; want the same execution", again, err)
		}
		if len(w.grantsOf(r)) != 1 {
			t.Fatalf("grants = %v", w.grantsOf(r))
		}
		revoke(t, r)
	})

	t.Run("elevation_two_approvers", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, c := range []*elevation.Client{bob, erin} {
			wg.Go(func() { _, errs[i] = c.Decide(ctx, r, elevation.Approve, "") })
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			var re *elevation.RefusedError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &re) && re.Code == "AlreadyDecided":
				refused++
			default:
				t.Errorf("approver: %v", err)
			}
		}
		if ok != 1 || refused != 1 || len(w.grantsOf(r)) != 1 {
			t.Fatalf("%d granted, %d AlreadyDecided, grants %v; want one of each and one grant", ok, refused, w.grantsOf(r))
		}
		revoke(t, r)
	})

	// A decide that failed for a reason that can pass runs again when its
	// approver asks again, under the next name; a refusal does not.
	t.Run("elevation_retry_after_throttle", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// Identity Store throttles decide's first look-up, beyond the
		// machine's own retries: not UnknownUser, a failure that can pass.
		w.faults.fail("identitystore", "getUserId", "ThrottlingException", 1+elevation.RetryAttempts)
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "Identitystore.ThrottlingException")
		var re *elevation.RefusedError
		if !errors.As(err, &re) || !elevation.Retryable(re.Code) || !strings.Contains(err.Error(), "can pass") {
			t.Fatalf("a throttle reads as %v", err)
		}
		first := re.ExecutionARN
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 0 {
			t.Fatal("the failed decide granted")
		}
		// bob asks again, twice at once: one new execution, one grant.
		var wg sync.WaitGroup
		outs, errs := make([]elevation.Outcome, 2), make([]error, 2)
		for i := range outs {
			wg.Go(func() { outs[i], errs[i] = bob.Decide(ctx, r, elevation.Approve, "") })
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil || outs[i].ExecutionARN != first+"-2" {
				t.Fatalf("approve again = %+v, %v; want %s-2 granted", outs[i], errs[i], first)
			}
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 1 {
			t.Fatalf("assigned %v, grants %v; want one", w.assigned("alice", prodAccount, "AdministratorAccess"), w.grantsOf(r))
		}
		// After the success: asked again, the same execution answers.
		if again, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil || again.ExecutionARN != first+"-2" {
			t.Fatalf("approve after the grant = %+v, %v; want %s-2", again, err, first)
		}
		w.noExecution(t, first+"-3")
		if len(w.grantsOf(r)) != 1 {
			t.Fatalf("grants = %v", w.grantsOf(r))
		}
		revoke(t, r)
	})

	t.Run("elevation_retry_dated_ahead", func(t *testing.T) {
		// alice's clock is 10 minutes fast: decide refuses until AWS's
		// clock gets there, then bob's same approval runs again.
		fast := w.client("alice")
		fast.Now = func() time.Time { return w.clock.Now().Add(10 * time.Minute) }
		r, err := fast.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "RequestDatedAhead")
		// Still ahead: run again, refused again.
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "RequestDatedAhead")
		var re *elevation.RefusedError
		if !errors.As(err, &re) || !strings.HasSuffix(re.ExecutionARN, "-2") {
			t.Fatalf("second ask ran %s, want the -2 execution", re.ExecutionARN)
		}
		w.pass(10 * time.Minute)
		out, err := bob.Decide(ctx, r, elevation.Approve, "")
		if err != nil || !strings.HasSuffix(out.ExecutionARN, "-3") {
			t.Fatalf("approve once AWS's clock reached the request = %+v, %v; want the -3 execution granted", out, err)
		}
		if len(w.grantsOf(r)) != 1 {
			t.Fatalf("grants = %v", w.grantsOf(r))
		}
		revoke(t, r)
	})

	t.Run("elevation_refusal_not_rerun", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = alice.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SelfApprovalNotAllowed")
		var re *elevation.RefusedError
		errors.As(err, &re) // wantRefused checked it is one
		first := re.ExecutionARN
		_, err = alice.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SelfApprovalNotAllowed")
		if !errors.As(err, &re) || re.ExecutionARN != first {
			t.Fatalf("asked again ran %s, want the refusal %s answered", re.ExecutionARN, first)
		}
		w.noExecution(t, first+"-2")
		// After a decision, a second approver's refusal stays too.
		if _, err := bob.Decide(ctx, r, elevation.Deny, "cleanup"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			_, err = erin.Decide(ctx, r, elevation.Approve, "")
			wantRefused(t, err, "AlreadyDecided")
		}
		errors.As(err, &re)
		w.noExecution(t, re.ExecutionARN+"-2")
	})

	t.Run("elevation_outside_rule", func(t *testing.T) {
		// alice writes requests her keyless would refuse; bob approves each.
		for i, tc := range []struct {
			edit func(*elevation.Request)
			code string
		}{
			{func(r *elevation.Request) { r.Account = devAccount }, "OutsideRule"},
			{func(r *elevation.Request) { r.PermissionSet = "ReadOnlyAccess" }, "OutsideRule"},
			{func(r *elevation.Request) { r.Seconds = 3 * 3600 }, "DurationOutsideRule"},
			{func(r *elevation.Request) { r.Seconds = 1 }, "DurationOutsideRule"},
			{func(r *elevation.Request) { r.Rule = "everything" }, "UnknownRule|OutsideRule"},
			{func(r *elevation.Request) { r.Reason = "" }, "ReasonRequired"},
			{func(r *elevation.Request) { r.Rule, r.Account, r.Ticket = "break-glass", devAccount, "INC-1" }, "NotEligible"},
		} {
			r := elevation.Request{Key: elevation.Key{PK: alice.Caller, SK: "REQ#" + requestID(w.clock.Now(), fmt.Sprint(i))}, Rule: "prod-admin",
				PermissionSet: "AdministratorAccess", Account: prodAccount, Seconds: 3600, Reason: "x"}
			tc.edit(&r)
			if _, err := aliceDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(elevation.TableName), Item: r.Item()}); err != nil {
				t.Fatal(err)
			}
			_, err := bob.Decide(ctx, r, elevation.Approve, "")
			var re *elevation.RefusedError
			if !errors.As(err, &re) || !slices.Contains(strings.Split(tc.code, "|"), re.Code) {
				t.Errorf("approving %+v: %v, want the referee's %s", r, err, tc.code)
			}
		}
		for _, acct := range []string{devAccount, prodAccount} {
			if w.assigned("alice", acct, "AdministratorAccess") {
				t.Fatalf("an out-of-rule request was granted in %s", acct)
			}
		}
	})

	t.Run("elevation_requester_writes", func(t *testing.T) {
		cfg := w.elevationSession("alice")
		db := dynamodb.NewFromConfig(cfg)
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		table := aws.String(elevation.TableName)
		bobs := r
		bobs.PK = bob.Caller
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: bobs.Item()})
		wantAccessDenied(t, "PutItem in another partition", err)
		_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: keyItem(r.Key),
			UpdateExpression: aws.String("SET seconds = :s"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberN{Value: "1"}}})
		wantAccessDenied(t, "UpdateItem of her own request", err)
		_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: keyItem(r.Key)})
		wantAccessDenied(t, "DeleteItem of her own request", err)
		used := keyItem(elevation.UsedKey(r.Key))
		used["decision"] = &ddbtypes.AttributeValueMemberS{Value: "approve"}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: used})
		wantAccessDenied(t, "PutItem of a USED# marker", err)
		asg := keyItem(elevation.Key{PK: "ASG#x", SK: "UNTIL#2099-01-01T00:00:00Z#" + r.SK})
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: asg})
		wantAccessDenied(t, "PutItem of a grant item", err)
		extra := r.Item()
		extra["until"] = &ddbtypes.AttributeValueMemberS{Value: "2099-01-01T00:00:00Z"}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: extra})
		wantAccessDenied(t, "PutItem with an unlisted attribute", err)

		// The same writes through batches, transactions and PartiQL: AWS
		// evaluates each as its own action (a batch), each item's action
		// with its keys (a transaction), or the statement's PartiQL action,
		// and refuses them naming the table.
		onTable := func(what, action string, err error) {
			t.Helper()
			wantAccessDenied(t, what, err)
			if err != nil && !strings.Contains(err.Error(), "perform: "+action+" on resource: arn:aws:dynamodb:") ||
				err != nil && !strings.Contains(err.Error(), ":"+mgmtAccount+":table/"+elevation.TableName+" ") {
				t.Errorf("%s: %v, want %s refused on the elevation table", what, err, action)
			}
		}
		for what, item := range map[string]map[string]ddbtypes.AttributeValue{"bob's partition": bobs.Item(), "a USED# marker": used, "a grant item": asg} {
			_, err = db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{
				elevation.TableName: {{PutRequest: &ddbtypes.PutRequest{Item: item}}}}})
			onTable("BatchWriteItem into "+what, "dynamodb:BatchWriteItem", err)
			// Her own request first, which alone she may write.
			own := r
			own.SK = "REQ#01KBTRANSACT0000000000000"
			_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
				{Put: &ddbtypes.Put{TableName: table, Item: own.Item()}}, {Put: &ddbtypes.Put{TableName: table, Item: item}}}})
			onTable("TransactWriteItems into "+what, "dynamodb:PutItem", err)
			pk := item["pk"].(*ddbtypes.AttributeValueMemberS).Value
			_, err = db.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
				Statement:  aws.String(`INSERT INTO "` + elevation.TableName + `" VALUE {'pk': ?, 'sk': 'X', 'decision': 'approve'}`),
				Parameters: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberS{Value: pk}}})
			onTable("ExecuteStatement INSERT into "+what, "dynamodb:PartiQLInsert", err)
		}
		_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{{Update: &ddbtypes.Update{
			TableName: table, Key: keyItem(r.Key), UpdateExpression: aws.String("SET seconds = :s"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberN{Value: "1"}}}}}})
		onTable("TransactWriteItems update of her own request", "dynamodb:UpdateItem", err)
		_, err = db.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
			Statement:  aws.String(`UPDATE "` + elevation.TableName + `" SET seconds = 1 WHERE pk = ? AND sk = ?`),
			Parameters: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberS{Value: r.PK}, &ddbtypes.AttributeValueMemberS{Value: r.SK}}})
		onTable("ExecuteStatement UPDATE of her own request", "dynamodb:PartiQLUpdate", err)
		if got, err := alice.Find(ctx, r.ID()); err != nil || got.Seconds != r.Seconds {
			t.Errorf("her request after the refused writes: %+v, %v", got, err)
		}
		for _, k := range []elevation.Key{bobs.Key, elevation.UsedKey(r.Key), {PK: "ASG#x", SK: "UNTIL#2099-01-01T00:00:00Z#" + r.SK}, {PK: r.PK, SK: "REQ#01KBTRANSACT0000000000000"}} {
			got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: keyItem(k)})
			if err != nil || got.Item != nil {
				t.Errorf("%v after the refused writes: %v, %v", k, got.Item, err)
			}
		}

		inst := alice.Catalog.InstanceARN
		set := alice.Catalog.Rules[0].PermissionSetARN
		_, err = ssoadmin.NewFromConfig(cfg).CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(inst),
			PermissionSetArn: aws.String(set), PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String("anyone"),
			TargetId: aws.String(prodAccount), TargetType: ssotypes.TargetTypeAwsAccount})
		wantAccessDenied(t, "sso CreateAccountAssignment", err)
		_, err = scheduler.NewFromConfig(cfg).CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("forever"), GroupName: aws.String(elevation.ExpiryGroup),
			ScheduleExpression: aws.String("at(2099-01-01T00:00:00)"), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
			Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"),
				RoleArn: aws.String("arn:aws:iam::" + mgmtAccount + ":role/" + elevation.ExpireRole), Input: aws.String("{}")}})
		wantAccessDenied(t, "scheduler CreateSchedule (passing the expire role)", err)

		// StartExecution is hers, with any input; the referee reads only records.
		for name, input := range map[string]any{
			"no-decision":    map[string]any{"request": r.Key, "decision": r.Key},
			"made-up-record": map[string]any{"request": map[string]string{"pk": alice.Caller, "sk": "REQ#NONE"}, "decision": map[string]string{"pk": alice.Caller, "sk": "DEC#x"}},
			"cut":            map[string]any{"cut": map[string]string{"InstanceArn": inst, "PermissionSetArn": set, "PrincipalId": "x", "PrincipalType": "USER", "TargetId": prodAccount, "TargetType": "AWS_ACCOUNT"}},
		} {
			d, err := w.startDecide(cfg, "forged-"+name+"-"+r.ID(), input)
			if err != nil || d.Status == sfntypes.ExecutionStatusSucceeded {
				t.Errorf("decide with forged input %s = %+v, %v; want a failure", name, d, err)
			}
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("a forged write granted")
		}
		if _, err := bob.Decide(ctx, r, elevation.Deny, "cleanup"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("elevation_stolen_session", func(t *testing.T) {
		// The thief holds alice's portal token: every role she has.
		if w.assigned("alice", prodAccount, "AdministratorAccess") || w.assigned("alice", mgmtAccount, "AdministratorAccess") {
			t.Fatal("alice holds standing administrator access")
		}
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = alice.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SelfApprovalNotAllowed")
		// Break-glass: dave may approve himself, for at most the rule's
		// hour, and the webhook hears of it.
		_, err = dave.Request(ctx, elevation.Ask{PermissionSet: "AdministratorAccess", Account: devAccount, Duration: 2 * time.Hour, Reason: "x", Ticket: "INC-7"})
		var ie *elevation.InputError
		if !errors.As(err, &ie) || ie.Field != "duration" {
			t.Fatalf("a 2h break-glass = %v, want refused", err)
		}
		g, err := dave.Request(ctx, elevation.Ask{PermissionSet: "AdministratorAccess", Account: devAccount, Duration: time.Hour, Reason: "prod down", Ticket: "INC-7"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dave.Decide(ctx, g, elevation.Approve, "break glass"); err != nil {
			t.Fatalf("dave's self-approval: %v", err)
		}
		if !w.assigned("dave", devAccount, "AdministratorAccess") {
			t.Fatal("dave's break-glass is not assigned")
		}
		if hooks := w.webhook.all(); !strings.Contains(hooks, "dave@example.com approved dave@example.com's request "+g.ID()) {
			t.Errorf("the webhook did not hear of the self-approval: %s", hooks)
		}
		w.clock.Add(time.Hour + time.Second)
		w.runSchedules()
		if w.assigned("dave", devAccount, "AdministratorAccess") {
			t.Fatal("break-glass outlived its hour")
		}
		if _, err := bob.Decide(ctx, r, elevation.Deny, "cleanup"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("elevation_revoke_cuts_sessions", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		old, err := w.session("alice", prodAccount, "AdministratorAccess")
		if err != nil {
			t.Fatal(err)
		}
		if err := canWrite(t, old, "cut-before"); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(time.Minute)
		_, err = carol.Revoke(ctx, r, "")
		wantRefused(t, err, "NotAllowedToRevoke")
		if _, err := frank.Revoke(ctx, r, "secops"); err != nil {
			t.Fatalf("a revoker's revoke: %v", err)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the revoked assignment is still there")
		}
		wantAccessDenied(t, "a session issued before the revoke", canWrite(t, old, "cut-after"))
		list, _ := alice.List(ctx, true)
		for _, e := range list {
			if e.ID == r.ID() && e.Status != elevation.Revoked {
				t.Errorf("status after revoke = %s", e.Status)
			}
		}
		// A grant after the cut is unaffected.
		w.clock.Add(time.Minute)
		r2, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r2, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		fresh, err := w.session("alice", prodAccount, "AdministratorAccess")
		if err != nil {
			t.Fatal(err)
		}
		if err := canWrite(t, fresh, "cut-fresh"); err != nil {
			t.Fatalf("a session after the cut: %v", err)
		}
		revoke(t, r2)
	})

	t.Run("elevation_overlap", func(t *testing.T) {
		a, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, a, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(30 * time.Minute)
		b, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := erin.Decide(ctx, b, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		// Revoking the first keeps the second.
		w.clock.Add(5 * time.Minute)
		if _, err := alice.Revoke(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("revoking the first grant ended the second")
		}
		// The first grant's end passes: still assigned.
		w.clock.Add(26 * time.Minute) // T+61m
		w.runSchedules()
		if !w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the first grant's end ended the second")
		}
		w.clock.Add(30 * time.Minute) // T+91m
		w.runSchedules()
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the assignment outlived the latest grant")
		}
	})

	t.Run("elevation_clock_skew", func(t *testing.T) {
		skewed := w.client("alice")
		skewed.Now = func() time.Time { return w.clock.Now().Add(-6 * time.Hour) }
		r, err := skewed.Request(ctx, adminAsk(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		approver := w.client("bob")
		approver.Now = func() time.Time { return w.clock.Now().Add(9 * time.Hour) }
		approvedAt := w.clock.Now()
		if _, err := approver.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		g, err := bob.GrantOf(ctx, r)
		if want := approvedAt.Add(30 * time.Minute); err != nil || g == nil || !aroundAfter(g.Until, want) {
			t.Fatalf("grant = %+v, %v; want until %s (AWS's time, not a client's)", g, err, want)
		}
		w.clock.Add(31 * time.Minute)
		w.runSchedules()
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the grant outlived its end")
		}
	})

	t.Run("elevation_schedule_deleted", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		sch := scheduler.NewFromConfig(w.admin)
		list, err := sch.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String(elevation.ExpiryGroup)})
		if err != nil || len(list.Schedules) != 1 {
			t.Fatalf("expiry schedules = %+v, %v", list, err)
		}
		if _, err := sch.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{GroupName: aws.String(elevation.ExpiryGroup), Name: list.Schedules[0].Name}); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(31 * time.Minute)
		w.runSchedules()
		w.clock.Add(15 * time.Minute)
		w.runSchedules()
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the sweep did not end a grant whose schedule was deleted")
		}
	})

	t.Run("elevation_confused_deputy", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		// A schedule outside the expiry group, in the home account,
		// passing the expire role: the role's trust refuses it.
		sch := scheduler.NewFromConfig(w.admin)
		if _, err := sch.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("other")}); err != nil {
			t.Fatal(err)
		}
		target, _ := json.Marshal(map[string]string{"InstanceArn": alice.Catalog.InstanceARN, "PermissionSetArn": alice.Catalog.Rules[0].PermissionSetARN,
			"PrincipalType": "USER", "PrincipalId": w.grantsOf(r)[0]["pk"][strings.LastIndex(w.grantsOf(r)[0]["pk"], "#")+1:], "TargetId": prodAccount, "TargetType": "AWS_ACCOUNT"})
		at := w.clock.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05")
		// The Scheduler refuses the role at once (its trust names our
		// group only), as AWS does; had it taken it, the run must fail.
		_, err = sch.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("deputy"), GroupName: aws.String("other"),
			ScheduleExpression: aws.String("at(" + at + ")"), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
			Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"),
				RoleArn: aws.String("arn:aws:iam::" + mgmtAccount + ":role/" + elevation.ExpireRole), Input: aws.String(string(target))}})
		if err != nil && !strings.Contains(err.Error(), "must allow AWS EventBridge Scheduler to assume the role") {
			t.Fatalf("CreateSchedule with the expire role in another group: %v", err)
		}
		w.clock.Add(2 * time.Minute)
		w.runSchedules()
		if !w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("a schedule of another group used the expire role")
		}
		// A state machine in another account with the referee role.
		dev := w.accountAdmin(devAccount)
		_, err = sfn.NewFromConfig(dev).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("deputy"),
			RoleArn:    aws.String("arn:aws:iam::" + mgmtAccount + ":role/" + elevation.RefereeRole),
			Definition: aws.String(`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssoadmin:listInstances","Arguments":{},"End":true}}}`)})
		if err == nil {
			d, err := w.start(dev, "arn:aws:states:us-east-1:"+devAccount+":stateMachine:deputy", "", "{}")
			if err != nil || d.Status == sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("another account's machine ran as the referee: %+v, %v", d, err)
			}
		}
		revoke(t, r)
	})

	// A request nobody decided is not approvable weeks later: decide
	// compares its time with AWS's, whatever the approver's keyless does.
	t.Run("elevation_stale_request", func(t *testing.T) {
		stale, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		fresh := stale
		w.clock.Add(elevation.DefaultRequestExpiry - time.Hour)
		if fresh, err = alice.Request(ctx, adminAsk(time.Hour)); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(time.Hour + time.Minute)
		_, err = bob.Decide(ctx, stale, elevation.Approve, "sorry, I was away")
		wantRefused(t, err, elevation.ErrRequestExpired)
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(stale)) != 0 {
			t.Fatal("an expired request was granted")
		}
		var re *elevation.RefusedError
		if errors.As(err, &re); !strings.Contains(err.Error(), "the request expired before it was decided; the requester requests again") ||
			!strings.Contains(re.Cause, "more than 24h (elevation.request_expiry) before this decision") {
			t.Errorf("refusal = %v", err)
		}
		// Dated ahead of AWS (a modified keyless, or a clock running
		// ahead), it would stay approvable past its expiry: refused too.
		ahead := w.client("alice")
		ahead.Now = func() time.Time { return w.clock.Now().Add(elevation.DefaultRequestExpiry) }
		future, err := ahead.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = bob.Decide(ctx, future, elevation.Approve, "")
		wantRefused(t, err, elevation.ErrRequestAhead)
		list, err := alice.List(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.ID == stale.ID() && e.Status != elevation.Expired {
				t.Errorf("the stale request is listed %s, want expired", e.Status)
			}
		}
		// The one made 23h ago is still approvable.
		if _, err := erin.Decide(ctx, fresh, elevation.Approve, ""); err != nil {
			t.Fatalf("a request inside its expiry: %v", err)
		}
		revoke(t, fresh)
	})

	// keyless requests shows a request past its expiry as expired, and
	// keyless approve says so before writing anything. The commands judge
	// by the local clock: the request is made two days before it.
	t.Run("elevation_stale_request_commands", func(t *testing.T) {
		old := w.client("alice")
		old.Now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
		r, err := old.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("BROWSER", filepath.Join(testBinaries(t), "browser-as")+" bob@example.com")
		run := func(args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			code := Main(args, strings.NewReader(""), &out, &errb)
			return code, out.String(), errb.String()
		}
		if code, _, errOut := run("login", "--start-url", w.url+"/start", "--region", "us-east-1"); code != 0 {
			t.Fatalf("bob's login: %d\n%s", code, errOut)
		}
		code, out, errOut := run("requests", "--all")
		if code != 0 || !regexp.MustCompile(`(?m)^`+r.ID()+` +expired +alice@example.com `).MatchString(out) {
			t.Fatalf("keyless requests --all = %d\n%s%s\nwant %s expired", code, out, errOut, r.ID())
		}
		if _, out, _ := run("requests"); strings.Contains(out, r.ID()) {
			t.Errorf("keyless requests lists another's expired request as pending:\n%s", out)
		}
		before := w.items()
		code, _, errOut = run("approve", r.ID())
		if code != 1 || !strings.Contains(errOut, "keyless: request "+r.ID()+" expired at ") ||
			!strings.Contains(errOut, "nobody decided it within 24h of its making (elevation.request_expiry), so it can no longer be approved or denied") ||
			!strings.Contains(errOut, "hint: if it is still needed, alice@example.com requests again: keyless request AdministratorAccess@"+prodAccount+" --for 1h") {
			t.Fatalf("keyless approve of an expired request = %d\n%s", code, errOut)
		}
		if d := cmp.Diff(before, w.items()); d != "" {
			t.Errorf("approving an expired request wrote:\n%s", d)
		}
	})

	// A throttle decide's own Retry outlasts: the first execution grants.
	t.Run("elevation_throttle_retried_in_machine", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w.faults.fail("identitystore", "getUserId", "ThrottlingException", 1)
		w.faults.fail("ssoadmin", "createAccountAssignment", "ThrottlingException", 1)
		w.faults.fail("dynamodb", "putItem", "ProvisionedThroughputExceededException", 1)
		out, err := bob.Decide(ctx, r, elevation.Approve, "")
		if err != nil || strings.HasSuffix(out.ExecutionARN, "-2") {
			t.Fatalf("approve with a throttle = %+v, %v; want the first execution granted", out, err)
		}
		for _, k := range [][2]string{{"identitystore", "getUserId"}, {"ssoadmin", "createAccountAssignment"}, {"dynamodb", "putItem"}} {
			if n := w.faults.pending(k[0], k[1]); n != 0 {
				t.Fatalf("%s:%s was not called: %d faults left", k[0], k[1], n)
			}
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 1 {
			t.Fatalf("assigned %v, grants %v; want the grant", w.assigned("alice", prodAccount, "AdministratorAccess"), w.grantsOf(r))
		}
		if m, _, err := bob.Decided(ctx, r); err != nil || m.GrantState != elevation.GrantMade {
			t.Fatalf("marker = %+v, %v; want made", m, err)
		}
		revoke(t, r)
	})

	// decide failed after it marked the request decided: the approval
	// stands, the grant is not made. The approver's retry finishes it;
	// nobody else's approval does.
	t.Run("elevation_finish_after_failure", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w.faults.fail("ssoadmin", "createAccountAssignment", "ThrottlingException", 1+elevation.RetryAttempts)
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SsoAdmin.ThrottlingException")
		var re *elevation.RefusedError
		errors.As(err, &re)
		first := re.ExecutionARN
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("assigned after the failure")
		}
		m, done, err := alice.Decided(ctx, r)
		if err != nil || !done || !m.Unfinished() || alice.Finishable(m, r) || !bob.Finishable(m, r) {
			t.Fatalf("marker = %+v, %v, %v; want an unfinished approval bob may finish", m, done, err)
		}
		if e := listed(t, alice, r); e.Status != elevation.Approved || e.Until == nil || !e.Until.Equal(m.Until) {
			t.Fatalf("listed as %s until %v; want approved (not granted) until %s", e.Status, e.Until, m.Until)
		}
		// Another approver's approval is a second decision.
		_, err = erin.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "AlreadyDecided")
		// bob asks again, twice at once: the -2 execution finishes it.
		var wg sync.WaitGroup
		outs, errs := make([]elevation.Outcome, 2), make([]error, 2)
		for i := range outs {
			wg.Go(func() { outs[i], errs[i] = bob.Decide(ctx, r, elevation.Approve, "") })
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil || outs[i].ExecutionARN != first+"-2" {
				t.Fatalf("approve again = %+v, %v; want %s-2 granted", outs[i], errs[i], first)
			}
		}
		var o struct {
			Until string `json:"until"`
		}
		if err := json.Unmarshal([]byte(outs[0].Output), &o); err != nil || o.Until != m.Until.Format(time.RFC3339) {
			t.Fatalf("finished until %q (%v), want the approval's %s", o.Until, err, m.Until)
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 1 || w.assignments(prodAccount, "AdministratorAccess") != 1 {
			t.Fatalf("assigned %v, grants %v; want one", w.assigned("alice", prodAccount, "AdministratorAccess"), w.grantsOf(r))
		}
		if m, _, _ := alice.Decided(ctx, r); m.GrantState != elevation.GrantMade {
			t.Fatalf("marker = %+v, want made", m)
		}
		if e := listed(t, alice, r); e.Status != elevation.Active {
			t.Fatalf("listed as %s, want active", e.Status)
		}
		// Finished: a replay is a second decision again.
		input := map[string]elevation.Key{"request": r.Key, "decision": elevation.DecisionKey(bob.Caller, r.Key)}
		if d, err := w.startDecide(w.elevationSession("alice"), "replay-finished-"+r.ID(), input); err != nil || aws.ToString(d.Error) != "AlreadyDecided" {
			t.Fatalf("replay after the grant = %+v, %v; want AlreadyDecided", d, err)
		}
		revoke(t, r)
	})

	// An unfinished approval revoked, or past its end, is not made by a
	// retry or a replay: the marker says revoked, the end is AWS's.
	t.Run("elevation_no_regrant_after_revoke", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w.faults.fail("ssoadmin", "createAccountAssignment", "ThrottlingException", 1+elevation.RetryAttempts)
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SsoAdmin.ThrottlingException")
		if _, err := alice.Revoke(ctx, r, "not needed any more"); err != nil {
			t.Fatalf("revoke of the unfinished grant: %v", err)
		}
		if m, _, _ := alice.Decided(ctx, r); m.GrantState != elevation.GrantRevoked {
			t.Fatalf("marker = %+v, want revoked", m)
		}
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "AlreadyDecided")
		input := map[string]elevation.Key{"request": r.Key, "decision": elevation.DecisionKey(bob.Caller, r.Key)}
		if d, err := w.startDecide(w.elevationSession("alice"), "replay-revoked-"+r.ID(), input); err != nil || aws.ToString(d.Error) != "AlreadyDecided" {
			t.Fatalf("replay after the revoke = %+v, %v; want AlreadyDecided", d, err)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 0 {
			t.Fatalf("granted after the revoke: grants %v", w.grantsOf(r))
		}
		if e := listed(t, alice, r); e.Status != elevation.Revoked {
			t.Fatalf("listed as %s, want revoked", e.Status)
		}
	})

	t.Run("elevation_no_regrant_after_end", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w.faults.fail("ssoadmin", "createAccountAssignment", "ThrottlingException", 1+elevation.RetryAttempts)
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "SsoAdmin.ThrottlingException")
		// Its end: the cut schedule runs end, which forgets the grant item.
		w.pass(time.Hour + time.Minute)
		for i := 0; i < 60 && len(w.grantsOf(r)) > 0; i++ {
			w.pass(time.Second)
		}
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "AlreadyDecided")
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 0 {
			t.Fatalf("granted after its end: grants %v", w.grantsOf(r))
		}
		if e := listed(t, alice, r); e.Status != elevation.Approved || e.Until == nil || e.Until.After(w.clock.Now()) {
			t.Fatalf("listed as %s until %v; want approved, its end passed", e.Status, e.Until)
		}
	})

	// A revoke while decide makes the grant: decide finds its marker
	// revoked when the assignment is made, and runs the revoke again.
	t.Run("elevation_revoked_while_granting", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w.faults.meanwhile("ssoadmin", "createAccountAssignment", func() {
			if _, err := alice.Revoke(ctx, r, "changed my mind"); err != nil {
				t.Errorf("revoke while decide grants: %v", err)
			}
		})
		_, err = bob.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, elevation.ErrRevoked)
		for i := 0; i < 120 && w.assigned("alice", prodAccount, "AdministratorAccess"); i++ {
			w.pass(time.Second)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") || len(w.grantsOf(r)) != 0 {
			t.Fatalf("the grant made after the revoke stays: grants %v", w.grantsOf(r))
		}
		input := map[string]elevation.Key{"request": r.Key, "decision": elevation.DecisionKey(bob.Caller, r.Key)}
		if d, err := w.startDecide(w.elevationSession("alice"), "replay-raced-"+r.ID(), input); err != nil || aws.ToString(d.Error) != "AlreadyDecided" {
			t.Fatalf("replay after the revoke = %+v, %v; want AlreadyDecided", d, err)
		}
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the replay granted")
		}
	})
}

func keyItem(k elevation.Key) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: k.PK}, "sk": &ddbtypes.AttributeValueMemberS{Value: k.SK}}
}

// accountAdmin is an administrator of another account of the
// organization (OrganizationAccountAccessRole).
func (w *elevWorld) accountAdmin(account string) aws.Config {
	w.t.Helper()
	out, err := sts.NewFromConfig(w.admin).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("deputy")})
	if err != nil {
		w.t.Fatal(err)
	}
	c := w.admin.Copy()
	cr := out.Credentials
	c.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	return c
}
