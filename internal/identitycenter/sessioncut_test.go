package identitycenter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/google/go-cmp/cmp"
)

// TestCutPolicy: a cut goes after the file's statements, in docs/elevation.md's
// form; expired cuts drop at the next cut or apply, live ones stay, and a
// policy with live cuts joins back to the same text (a plan right after a
// cut shows no difference).
func TestCutPolicy(t *testing.T) {
	const user = "9067a1b2c3-1234abcd-5678-90ab-cdef-1234567890ab"
	file := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
	at := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)

	one, err := AddCut(file, user, at, 12*time.Hour, at)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"},` +
		`{"Sid":"KeylessCut9067a1b2c31234abcd567890abcdef1234567890ab20261202T113000","Effect":"Deny","Action":"*","Resource":"*",` +
		`"Condition":{"StringEquals":{"identitystore:userId":"` + user + `"},` +
		`"DateLessThan":{"aws:TokenIssueTime":"2026-12-02T11:30:00Z","aws:CurrentTime":"2026-12-02T23:30:00Z"}}}]}`
	if diff := cmp.Diff(want, one); diff != "" {
		t.Fatalf("AddCut (-want +got):\n%s", diff)
	}
	if got := KeepCuts(file, one, at.Add(time.Hour)); got != one {
		t.Errorf("KeepCuts while in force = %s, want the policy as it is", got)
	}
	// A local clock a minute ahead of AWS's must not drop the cut early.
	if got := KeepCuts(file, one, at.Add(12*time.Hour+time.Minute)); got != one {
		t.Errorf("KeepCuts a minute past its bound = %s, want the policy as it is (the local clock may be ahead)", got)
	}
	if got := KeepCuts(file, one, at.Add(12*time.Hour+cutClockSkew)); got != file {
		t.Errorf("KeepCuts at the end plus the clock margin = %s, want the file's policy", got)
	}
	if got := KeepCuts("", one, at); !strings.HasPrefix(got, `{"Version":"2012-10-17","Statement":[{"Sid":"KeylessCut`) {
		t.Errorf("KeepCuts with no file policy = %s, want the cut alone", got)
	}
	if got := stripCuts(one); got != file {
		t.Errorf("stripCuts = %s, want %s", got, file)
	}

	// A second cut of another user an hour on keeps the first; at 13h the
	// first has ended and goes; the same Sid replaces.
	other := "b2c3d4e5-0000-1111-2222-333344445555"
	two, err := AddCut(one, other, at.Add(time.Hour), time.Hour, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(two, `"Sid":"KeylessCut`); n != 2 {
		t.Errorf("two cuts: %d statements in %s", n, two)
	}
	three, err := AddCut(two, other, at.Add(13*time.Hour), time.Hour, at.Add(13*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(three, CutSid(user, at)) || strings.Count(three, `"Sid":"KeylessCut`) != 1 {
		t.Errorf("after 13h: %s, want only the newest cut", three)
	}
	again, err := AddCut(three, other, at.Add(13*time.Hour+500*time.Millisecond), time.Hour, at.Add(13*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(again, `"Sid":"KeylessCut`) != 1 || !strings.Contains(again, `"aws:TokenIssueTime":"2026-12-03T00:30:00Z"`) {
		t.Errorf("same second: %s, want one cut", again)
	}

	// A statement object (not a list) and whitespace from the console.
	single := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Deny\", \"Action\": \"ec2:*\", \"Resource\": \"*\"}\n}"
	got, err := AddCut(single, user, at, time.Hour, at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"},{"Sid":"KeylessCut`) {
		t.Errorf("single statement: %s", got)
	}
	if _, err := AddCut("[1]", user, at, time.Hour, at); err == nil {
		t.Error("AddCut on a JSON list: no error")
	}
}

// TestCutTime: the cut is the next whole second, so a session issued in the
// same second as the request is before it.
func TestCutTime(t *testing.T) {
	at := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)
	if got := CutTime(at); !got.Equal(at) {
		t.Errorf("CutTime(whole second) = %s", got)
	}
	if got := CutTime(at.Add(time.Millisecond)); !got.Equal(at.Add(time.Second)) {
		t.Errorf("CutTime(+1ms) = %s", got)
	}
}

// TestMotoCutSessions: moto, an independent sso-admin, stores the cut as
// keyless wrote it; a later cut drops the one that has ended; the file's
// own statement stays first.
func TestMotoCutSessions(t *testing.T) {
	url := motoURL(t)
	c := NewClients(sdkConfig(t, url, newRecorder(), false), fastLimits())
	ctx := context.Background()
	st, err := Read(ctx, c, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file := `{"Version":"2012-10-17","Statement":[{"Sid":"NoBuckets","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
	a := &Applier{C: c, PollInterval: time.Millisecond}
	if _, err := a.Apply(ctx, st, []Change{{Op: Create, Kind: KindPermissionSet, Name: "Admin",
		WantPermissionSet: &PermissionSet{Name: "Admin", SessionDuration: "PT2H", InlinePolicy: file}}}); err != nil {
		t.Fatal(err)
	}
	if st, err = Read(ctx, c, ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	arn := st.PermissionSets[0].ARN
	at := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)
	res, err := a.CutSessions(ctx, Cut{InstanceARN: st.InstanceARN, PermissionSetARN: arn, UserID: "u-1", At: at}, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if res.Sid != "KeylessCutu120261202T113000" || !res.Until.Equal(at.Add(2*time.Hour)) {
		t.Errorf("CutSessions = %+v", res)
	}
	later := at.Add(3 * time.Hour)
	if _, err := a.CutSessions(ctx, Cut{InstanceARN: st.InstanceARN, PermissionSetARN: arn, UserID: "u-2", At: later}, func() time.Time { return later }); err != nil {
		t.Fatal(err)
	}
	got, err := c.SSOAdmin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(st.InstanceARN), PermissionSetArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := AddCut(file, "u-2", later, 2*time.Hour, later)
	if diff := cmp.Diff(want, aws.ToString(got.InlinePolicy)); diff != "" {
		t.Errorf("moto's inline policy (-want +got):\n%s", diff)
	}
}
