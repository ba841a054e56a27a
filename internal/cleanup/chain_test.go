package cleanup

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/awsconfig"
)

func TestResolveChain(t *testing.T) {
	const config = `[default]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = jump

[profile jump]
role_arn = arn:aws:iam::111111111111:role/Jump
source_profile = ops

[profile self]
role_arn = arn:aws:iam::111111111111:role/Self
source_profile = self
aws_access_key_id = AKIASELFSELFSELFSELF

[profile loop]
role_arn = arn:aws:iam::111111111111:role/Loop
source_profile = loop2

[profile loop2]
role_arn = arn:aws:iam::111111111111:role/Loop
source_profile = loop

[profile proc]
credential_process = /usr/local/bin/get-creds

[profile viaproc]
role_arn = arn:aws:iam::111111111111:role/X
source_profile = proc

[profile fromenv]
role_arn = arn:aws:iam::111111111111:role/X
credential_source = Environment

[profile ec2]
role_arn = arn:aws:iam::111111111111:role/X
credential_source = Ec2InstanceMetadata

[profile sso]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
`
	const credentials = `[default]
aws_access_key_id = AKIADEFAULTDEFAULTDE

[ops]
aws_access_key_id = AKIAOPSOPSOPSOPSOPS2
`
	cfg, err := awsconfig.Parse("config", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := awsconfig.Parse("credentials", []byte(credentials))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, profile string
		env           map[string]string
		keys          map[string]string
		opaque        []string
	}{
		{name: "default profile", keys: map[string]string{"AKIADEFAULTDEFAULTDE": "profile default signs with it: deactivating it would lock you out"}},
		{name: "environment keys win over AWS_PROFILE", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENVENVENVENVENV2", "AWS_PROFILE": "admin"},
			keys: map[string]string{"AKIAENVENVENVENVENV2": "it is the access key these credentials use (AWS_ACCESS_KEY_ID): deactivating it would lock you out"}},
		{name: "two role hops down to static keys", env: map[string]string{"AWS_PROFILE": "admin"},
			keys: map[string]string{"AKIAOPSOPSOPSOPSOPS2": "profile ops (the source_profile under profile admin) signs with it: deactivating it would lock you out"}},
		{name: "--profile wins over environment keys", profile: "jump", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENVENVENVENVENV2"},
			keys: map[string]string{"AKIAOPSOPSOPSOPSOPS2": "profile ops (the source_profile under profile jump) signs with it: deactivating it would lock you out"}},
		{name: "its own source", profile: "self", keys: map[string]string{"AKIASELFSELFSELFSELF": "profile self signs with it: deactivating it would lock you out"}},
		{name: "a loop ends", profile: "loop", keys: map[string]string{}},
		{name: "credential_process", profile: "viaproc", keys: map[string]string{},
			opaque: []string{"profile proc (the source_profile under profile viaproc) runs credential_process; keyless cannot tell which access key it returns"}},
		{name: "credential_source Environment", profile: "fromenv", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENVENVENVENVENV2"},
			keys: map[string]string{"AKIAENVENVENVENVENV2": "profile fromenv takes its source credentials from AWS_ACCESS_KEY_ID: deactivating it would lock you out"}},
		{name: "instance metadata", profile: "ec2", keys: map[string]string{},
			opaque: []string{"profile ec2 gets its source credentials from Ec2InstanceMetadata, which keyless cannot read"}},
		{name: "sso", profile: "sso", keys: map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ResolveChain(ChainInput{Profile: tc.profile, Config: cfg, Credentials: creds, Getenv: func(k string) string { return tc.env[k] }})
			if diff := cmp.Diff(Chain{Keys: tc.keys, Opaque: tc.opaque}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
