package elevation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// adminConfig reaches the sandbox at url as its administrator.
func adminConfig(t *testing.T, url string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(url)
	return cfg
}

// tableWithCatalog makes the elevation table in a fresh sandbox, as apply
// does, with cat stored in it; it returns the administrator's client.
func tableWithCatalog(t *testing.T, cat *Catalog) *dynamodb.Client {
	t.Helper()
	_, url := sandboxtest.Start(t, sandbox.Options{AssignmentDelay: -1})
	db := dynamodb.NewFromConfig(adminConfig(t, url))
	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(TableName),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cat)
	item := Key{PK: CatalogPK, SK: CatalogSK}.item()
	item["catalog"] = strValue(string(b))
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(TableName), Item: item}); err != nil {
		t.Fatal(err)
	}
	return db
}

// tableItems is every item of the table, for "nothing was written".
func tableItems(t *testing.T, db DynamoDB) []Key {
	t.Helper()
	var keys []Key
	c := &Client{DB: db}
	if err := c.scan(context.Background(), "", nil, func(m map[string]types.AttributeValue) { keys = append(keys, keyOf(m)) }); err != nil {
		t.Fatal(err)
	}
	return keys
}

// fixedClock is a clock a test moves.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// Requests through the client against the sandbox's DynamoDB: written
// once, found by a unique prefix, listed for the requester and for
// others while pending; refused requests write nothing.
func TestClientRequestFindList(t *testing.T) {
	ctx := context.Background()
	cat := clientCatalog()
	db := tableWithCatalog(t, cat)
	read, err := ReadCatalog(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(cat, read); d != "" {
		t.Fatalf("catalog read back differs:\n%s", d)
	}
	clock := &fixedClock{time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	alice := &Client{DB: db, Catalog: read, Caller: "AROAEXAMPLE:alice", Now: clock.Now}
	carol := &Client{DB: db, Catalog: read, Caller: "AROAEXAMPLE:carol", Now: clock.Now}

	before := tableItems(t, db)
	for _, bad := range []Ask{
		{PermissionSet: "Nope", Account: "prod", Duration: time.Hour, Reason: "x"},
		{PermissionSet: "AdministratorAccess", Account: "dev", Duration: time.Hour, Reason: "x"},
		{PermissionSet: "AdministratorAccess", Account: "prod", Duration: 3 * time.Hour, Reason: "x"},
		{PermissionSet: "AdministratorAccess", Account: "prod", Duration: time.Hour},
	} {
		var ie *InputError
		if _, err := alice.Request(ctx, bad); !errors.As(err, &ie) {
			t.Errorf("Request(%+v) = %v, want an InputError", bad, err)
		}
	}
	if _, err := carol.Request(ctx, Ask{PermissionSet: "AdministratorAccess", Account: "prod", Duration: time.Hour, Reason: "x"}); err == nil {
		t.Error("carol, not eligible, could request")
	}
	if d := cmp.Diff(before, tableItems(t, db)); d != "" {
		t.Fatalf("refused requests changed the table:\n%s", d)
	}

	r, err := alice.Request(ctx, Ask{PermissionSet: "administratoraccess", Account: "prod", Duration: 90 * time.Minute, Reason: " incident 4711 ", Ticket: "OPS-1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.PK != alice.Caller || !strings.HasPrefix(r.SK, "REQ#") || r.Account != "222222222222" || r.PermissionSet != "AdministratorAccess" ||
		r.Seconds != 5400 || r.Reason != "incident 4711" || r.Rule != "prod-admin" || !r.Created().Equal(clock.t) {
		t.Fatalf("request = %+v", r)
	}
	clock.t = clock.t.Add(time.Hour)
	r2, err := alice.Request(ctx, Ask{PermissionSet: "AdministratorAccess", Account: "222222222222", Duration: time.Hour, Reason: "again"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{r.ID(), strings.ToLower(r.ID()), r.ID()[:20], "alice/" + r.ID(), "REQ#" + r.ID()} {
		got, err := carol.Find(ctx, id)
		if err != nil || got != r {
			t.Errorf("Find(%q) = %+v, %v", id, got, err)
		}
	}
	var ie *InputError
	if _, err := carol.Find(ctx, r.ID()[:4]); !errors.As(err, &ie) || !strings.Contains(ie.Msg, "names 2 requests") {
		t.Errorf("Find of a shared prefix = %v", err)
	}
	if _, err := carol.Find(ctx, "bob/"+r.ID()); !errors.Is(err, ErrNoRequest) {
		t.Errorf("Find of another requester's = %v", err)
	}
	if _, err := carol.Find(ctx, "not-an-id!"); !errors.As(err, &ie) {
		t.Errorf("Find of a bad id = %v", err)
	}

	mine, err := alice.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 2 || mine[0].ID != r.ID() || mine[0].Status != Pending || mine[0].AccountName != "prod" || mine[1].ID != r2.ID() {
		t.Fatalf("alice's list = %+v", mine)
	}
	theirs, err := carol.List(ctx, false)
	if err != nil || len(theirs) != 2 {
		t.Fatalf("carol's list of pending requests = %+v, %v", theirs, err)
	}
	if want := r.Created().Add(DefaultRequestExpiry); mine[0].ExpiresAt == nil || !mine[0].ExpiresAt.Equal(want) {
		t.Fatalf("pending request expires at %v, want %s (its time + the default expiry)", mine[0].ExpiresAt, want)
	}

	// A day after the first request, nobody having decided: it shows as
	// expired to its requester and with --all, and leaves others' pending
	// list; the second, an hour younger, is still pending.
	clock.t = r.Created().Add(DefaultRequestExpiry)
	if !alice.Expired(r) || alice.Expired(r2) {
		t.Fatalf("at %s: Expired(r) = %v, Expired(r2) = %v; want true, false", clock.t, alice.Expired(r), alice.Expired(r2))
	}
	mine, err = alice.List(ctx, false)
	if err != nil || len(mine) != 2 || mine[0].Status != Expired || mine[1].Status != Pending {
		t.Fatalf("alice's list after a day = %+v, %v; want expired, pending", mine, err)
	}
	theirs, err = carol.List(ctx, false)
	if err != nil || len(theirs) != 1 || theirs[0].ID != r2.ID() {
		t.Fatalf("carol's pending list after a day = %+v, %v; want only the younger request", theirs, err)
	}
	all, err := carol.List(ctx, true)
	if err != nil || len(all) != 2 || all[0].Status != Expired {
		t.Fatalf("carol's --all after a day = %+v, %v", all, err)
	}
	// The file's request_expiry, when set, is the window.
	carol.Catalog.RequestExpiry = 3600
	if !carol.Expired(r2) || carol.Catalog.Expiry() != time.Hour {
		t.Fatalf("with a 1h request_expiry, the hour-old request is not expired (expiry %s)", carol.Catalog.Expiry())
	}
}
