package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MFA devices. The sandbox knows virtual devices; a serial number that is
// not one of the account's virtual devices is refused.

type iamVirtualMFAOut struct {
	SerialNumber     string      `xml:"SerialNumber"`
	Base32StringSeed string      `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        string      `xml:"QRCodePNG,omitempty"`
	User             *iamUserOut `xml:"User,omitempty"`
	EnableDate       *isoTime    `xml:"EnableDate,omitempty"`
}

func (ic *iamCall) mfaSerial(path, name string) string {
	return ic.iamARN("mfa", path, name)
}

func (ic *iamCall) virtualMFA(serial string) *MFADevice {
	for _, d := range ic.ia.VirtualMFADevices {
		if d.Serial == serial {
			return d
		}
	}
	return nil
}

func iamCreateVirtualMFADevice(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "VirtualMFADeviceName", "virtualMFADeviceName", 226)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	if _, err := iamTags(form); err != nil {
		return nil, err
	}
	serial := ic.mfaSerial(path, name)
	for _, d := range ic.ia.VirtualMFADevices {
		if strings.EqualFold(d.Serial, serial) {
			return nil, iamExists("MFADevice entity at the same path and name already exists.")
		}
	}
	d := &MFADevice{Serial: serial, Seed: ic.rand(64, upperBase32)}
	ic.ia.VirtualMFADevices = append(ic.ia.VirtualMFADevices, d)
	uri := fmt.Sprintf("otpauth://totp/Amazon%%20Web%%20Services:%s@%s?secret=%s&issuer=Amazon%%20Web%%20Services", name, ic.acct, d.Seed)
	return struct {
		VirtualMFADevice iamVirtualMFAOut `xml:"VirtualMFADevice"`
	}{iamVirtualMFAOut{SerialNumber: serial,
		Base32StringSeed: base64.StdEncoding.EncodeToString([]byte(d.Seed)),
		QRCodePNG:        base64.StdEncoding.EncodeToString(qrPlaceholderPNG(uri))}}, nil
}

func (ic *iamCall) serial(form url.Values) (string, error) {
	s, err := iamRequired(form, "SerialNumber", "serialNumber")
	if err != nil {
		return "", err
	}
	if len(s) < 9 || len(s) > 256 || !iamSerialPattern.MatchString(s) {
		return "", iamConstraint("serialNumber", s, `Member must satisfy regular expression pattern: [\w+=/:,.@-]+`)
	}
	return s, nil
}

func iamEnableMFADevice(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	for i, p := range []string{"AuthenticationCode1", "AuthenticationCode2"} {
		code, err := iamRequired(form, p, fmt.Sprintf("authenticationCode%d", i+1))
		if err != nil {
			return nil, err
		}
		if !iamAuthCode.MatchString(code) {
			return nil, iamConstraint(fmt.Sprintf("authenticationCode%d", i+1), code, `Member must satisfy regular expression pattern: [\d]+`)
		}
	}
	d := ic.virtualMFA(serial)
	if d == nil {
		return nil, iamNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.UserName != "" {
		return nil, iamExists("MFA device %s is already in use.", serial)
	}
	if len(u.MFASerials) >= 8 {
		return nil, iamLimit("Cannot exceed quota for MFADevicesPerUser: 8")
	}
	d.UserName, d.Enabled = u.Name, ic.now.UTC().Truncate(time.Second)
	u.MFASerials = append(u.MFASerials, serial)
	return nil, nil
}

func iamDeactivateMFADevice(ic *iamCall, form url.Values) (any, error) {
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	var u *IAMUser
	if form.Get("UserName") != "" {
		if u, err = ic.user(form); err != nil {
			return nil, err
		}
	} else {
		for _, o := range ic.ia.Users {
			if slices.Contains(o.MFASerials, serial) {
				u = o
			}
		}
	}
	if u == nil || !slices.Contains(u.MFASerials, serial) {
		return nil, iamNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	u.MFASerials = slices.DeleteFunc(u.MFASerials, func(s string) bool { return s == serial })
	if d := ic.virtualMFA(serial); d != nil {
		d.UserName, d.Enabled = "", time.Time{}
	}
	return nil, nil
}

func iamDeleteVirtualMFADevice(ic *iamCall, form url.Values) (any, error) {
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	d := ic.virtualMFA(serial)
	if d == nil {
		return nil, iamNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.UserName != "" {
		return nil, iamDeleteConflict("MFA device %s is in use by user %s; deactivate it first.", serial, d.UserName)
	}
	ic.ia.VirtualMFADevices = slices.DeleteFunc(ic.ia.VirtualMFADevices, func(o *MFADevice) bool { return o == d })
	return nil, nil
}

// mfaEnabled is when a user's device was enabled; seeded devices have no
// virtual-device record and count from the user's creation.
func (ic *iamCall) mfaEnabled(u *IAMUser, serial string) time.Time {
	if d := ic.virtualMFA(serial); d != nil && !d.Enabled.IsZero() {
		return d.Enabled
	}
	return u.Created
}

func iamListMFADevices(ic *iamCall, form url.Values) (any, error) {
	type device struct {
		UserName     string  `xml:"UserName"`
		SerialNumber string  `xml:"SerialNumber"`
		EnableDate   isoTime `xml:"EnableDate"`
	}
	var all []device
	if form.Get("UserName") != "" || ic.who.IAMUser != nil {
		u, err := ic.userOrSelf(form)
		if err != nil {
			return nil, err
		}
		for _, s := range u.MFASerials {
			all = append(all, device{u.Name, s, isoTime(ic.mfaEnabled(u, s))})
		}
	}
	pg, p, err := iamPage(form, all, "mfa/"+form.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return struct {
		MFADevices []device `xml:"MFADevices>member"`
		iamPaging
	}{pg, p}, nil
}

func iamListVirtualMFADevices(ic *iamCall, form url.Values) (any, error) {
	status := form.Get("AssignmentStatus")
	switch status {
	case "":
		status = "Any"
	case "Assigned", "Unassigned", "Any":
	default:
		return nil, iamConstraint("assignmentStatus", status, "Member must satisfy enum value set: [Unassigned, Any, Assigned]")
	}
	var match []*MFADevice
	for _, d := range append(ic.rootVirtualMFA(), ic.ia.VirtualMFADevices...) {
		if status == "Any" || (status == "Assigned") == (d.UserName != "") {
			match = append(match, d)
		}
	}
	pg, p, err := iamPage(form, match, "vmfa/"+status)
	if err != nil {
		return nil, err
	}
	out := struct {
		VirtualMFADevices []iamVirtualMFAOut `xml:"VirtualMFADevices>member"`
		iamPaging
	}{iamPaging: p}
	for _, d := range pg {
		o := iamVirtualMFAOut{SerialNumber: d.Serial}
		if d.UserName == rootMFAUser {
			o.User, o.EnableDate = ic.rootUserOut(), isoPtr(&d.Enabled)
		} else if u := ic.findUser(d.UserName); d.UserName != "" && u != nil {
			uo := ic.userOut(u, false)
			o.User, o.EnableDate = &uo, isoPtr(&d.Enabled)
		}
		out.VirtualMFADevices = append(out.VirtualMFADevices, o)
	}
	return out, nil
}

// qrPlaceholderPNG is the PNG CreateVirtualMFADevice returns: a 21x21
// pattern derived from the otpauth URI. It is a valid image but not a
// scannable QR code; the seed in Base32StringSeed is what tests use.
func qrPlaceholderPNG(uri string) []byte {
	sum := sha256.Sum256([]byte(uri))
	img := image.NewGray(image.Rect(0, 0, 21, 21))
	for y := range 21 {
		for x := range 21 {
			bit := sum[(y*21+x)/8%len(sum)] >> ((y*21 + x) % 8) & 1
			img.SetGray(x, y, color.Gray{Y: uint8(255 * (1 - bit))})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
