package sandbox

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
)

// Browse does what a person at a browser does with a sign-in link from
// the sandbox (its /authorize or /device page): it chooses user from the
// page's list and submits the form, following redirects (to a PKCE
// client's loopback callback). Tests, test scripts and keyless demo use it
// to sign in several different users against one sandbox.
func Browse(link, user string) error {
	resp, err := http.Get(link)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", link, resp.Status)
	}
	form, action, err := signInForm(string(page), user)
	if err != nil {
		return err
	}
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		return err
	}
	resp, err = http.PostForm(target.String(), form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", target.Path, resp.Status, body)
	}
	return nil
}

var (
	signInFormRe   = lazyRegexp(`(?s)<form method="post" action="([^"]+)">(.*?)</form>`)
	signInHiddenRe = lazyRegexp(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	signInUserRe   = lazyRegexp(`<button type="submit" name="user_id" value="([^"]+)"><strong>([^<]+)</strong>`)
)

// signInForm reads the page's sign-in form: its hidden fields and the
// button of user.
func signInForm(page, user string) (url.Values, string, error) {
	m := signInFormRe.FindStringSubmatch(page)
	if m == nil {
		return nil, "", errors.New("no sign-in form on the page")
	}
	form := url.Values{}
	for _, h := range signInHiddenRe.Regexp().FindAllStringSubmatch(m[2], -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	for _, u := range signInUserRe.Regexp().FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(u[2]) == user {
			form.Set("user_id", html.UnescapeString(u[1]))
			return form, html.UnescapeString(m[1]), nil
		}
	}
	return nil, "", fmt.Errorf("the sign-in page lists no user %q", user)
}
