package sandbox

// IAM Identity Center instances: ListInstances, DescribeInstance and
// UpdateInstance (CreateInstance and who may call it are in ssoadmin_access.go).

type ssoInstanceOut struct {
	InstanceArn     string  `json:"InstanceArn"`
	IdentityStoreId string  `json:"IdentityStoreId"`
	OwnerAccountId  string  `json:"OwnerAccountId"`
	Name            string  `json:"Name,omitempty"`
	CreatedDate     float64 `json:"CreatedDate"`
	Status          string  `json:"Status"`
}

func instanceOut(in *Instance) ssoInstanceOut {
	return ssoInstanceOut{InstanceArn: in.ARN, IdentityStoreId: in.IdentityStoreID, OwnerAccountId: in.OwnerAccountID,
		Name: in.Name, CreatedDate: epoch(in.Created), Status: in.Status}
}

func ssoListInstances(c *call, in *ssoPaging) (any, error) {
	all := []ssoInstanceOut{}
	for _, inst := range c.visibleInstances() {
		all = append(all, instanceOut(inst))
	}
	pg, next, err := page(all, "instances", in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Instances": pg, "NextToken": next}, nil
}

func ssoDescribeInstance(c *call, in *struct{ InstanceArn string }) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	out := instanceOut(inst)
	enc := map[string]string{"KeyType": "AWS_OWNED_KMS_KEY", "EncryptionStatus": "ENABLED"}
	if inst.KMSKeyARN != "" {
		enc["KeyType"], enc["KmsKeyArn"] = "CUSTOMER_MANAGED_KEY", inst.KMSKeyARN
	}
	return struct {
		ssoInstanceOut
		EncryptionConfigurationDetails map[string]string `json:"EncryptionConfigurationDetails"`
	}{out, enc}, nil
}

var (
	fInstanceName = newField(0, 255, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	fKMSKeyARN    = newField(20, 2048, `arn:aws(-[a-z]{1,5}){0,3}:kms:([a-z]{2,}(-[a-z0-9]+)+){1}:[0-9]{12}:key/(mrk-[a-f0-9]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`,
		`arn:aws(-[a-z]{1,5}){0,3}:kms:([a-z]{2,}(-[a-z0-9]+)+):[0-9]{12}:key/(mrk-[a-f0-9]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
)

type ssoUpdateInstanceIn struct {
	InstanceArn             string
	Name                    *string
	EncryptionConfiguration *struct {
		KeyType   string
		KmsKeyArn *string
	}
}

// ssoUpdateInstance renames the instance and chooses the KMS key that
// encrypts its data. The sandbox has no KMS: a customer managed key is
// taken on its ARN's word, and the change is ENABLED at once, where AWS is
// UPDATING while it re-encrypts.
func ssoUpdateInstance(c *call, in *ssoUpdateInstanceIn) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if err := fInstanceName.check("name", *in.Name); err != nil {
			return nil, err
		}
	}
	key := inst.KMSKeyARN
	if e := in.EncryptionConfiguration; e != nil {
		arn := ""
		if e.KmsKeyArn != nil {
			arn = *e.KmsKeyArn
			if err := fKMSKeyARN.check("encryptionConfiguration.kmsKeyArn", arn); err != nil {
				return nil, err
			}
		}
		switch e.KeyType {
		case "":
			return nil, errRequired("encryptionConfiguration.keyType")
		case "AWS_OWNED_KMS_KEY":
			if arn != "" {
				return nil, errValidation("KmsKeyArn must not be given with KeyType AWS_OWNED_KMS_KEY: leave it out, or use CUSTOMER_MANAGED_KEY.")
			}
		case "CUSTOMER_MANAGED_KEY":
			if arn == "" {
				return nil, errValidation("KmsKeyArn is required with KeyType CUSTOMER_MANAGED_KEY.")
			}
		default:
			return nil, errConstraint("encryptionConfiguration.keyType", truncate(e.KeyType, 100), "Member must satisfy enum value set: [AWS_OWNED_KMS_KEY, CUSTOMER_MANAGED_KEY]")
		}
		key = arn
	}
	if in.Name != nil {
		inst.Name = *in.Name
	}
	inst.KMSKeyARN = key
	return struct{}{}, nil
}
