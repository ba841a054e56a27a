package elevation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// DynamoDB is the part of the DynamoDB API the client calls: the reads
// and the one write KeylessElevation allows.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// StepFunctions is the part of the Step Functions API the client calls.
type StepFunctions interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// Client requests, decides, revokes and lists elevations as one person,
// with the credentials of their KeylessElevation session. It checks what
// it can locally for a clear error; the machines and IAM decide.
type Client struct {
	DB      DynamoDB
	States  StepFunctions
	Catalog *Catalog
	// Caller is the session's aws:userid (role-id:user-name): the
	// partition IAM lets it write.
	Caller string
	// Now is the clock for new request ids and for showing what is
	// active; no decision depends on it.
	Now func() time.Time
	// Poll is how often DescribeExecution asks whether a machine is done.
	Poll time.Duration
	// Entropy feeds request ids (crypto/rand when nil).
	Entropy io.Reader
	// Notify posts a notification (the catalog's webhook); nil posts none.
	Notify func(ctx context.Context, text string)
}

// ErrNotElevationSession is returned by Open when the credentials are not
// a KeylessElevation session in the home account.
var ErrNotElevationSession = errors.New("not a " + PermissionSetName + " session")

// Open builds a client from the configuration of a KeylessElevation
// session: it reads the catalog and who the caller is.
func Open(ctx context.Context, cfg aws.Config) (*Client, error) {
	db := dynamodb.NewFromConfig(cfg)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I (sts GetCallerIdentity): %w", err)
	}
	cat, err := ReadCatalog(ctx, db)
	if err != nil {
		return nil, err
	}
	caller := aws.ToString(id.UserId)
	if roleID(caller) != cat.ElevationRoleID || aws.ToString(id.Account) != cat.HomeAccount {
		return nil, fmt.Errorf("%w: these credentials are %s in account %s, the elevation rules want %s's role in account %s",
			ErrNotElevationSession, aws.ToString(id.Arn), aws.ToString(id.Account), PermissionSetName, cat.HomeAccount)
	}
	return &Client{
		DB:      db,
		States:  sfn.NewFromConfig(cfg),
		Catalog: cat,
		Caller:  caller,
		Now:     time.Now,
		Poll:    time.Second,
	}, nil
}

// Me is the caller's user name.
func (c *Client) Me() string { return UserName(c.Caller) }

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Client) entropy() io.Reader {
	if c.Entropy == nil {
		return rand.Reader
	}
	return c.Entropy
}

func (c *Client) notify(ctx context.Context, text string) {
	if c.Notify != nil {
		c.Notify(ctx, text)
	}
}
