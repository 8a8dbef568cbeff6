"""The web console in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium, against the real binary over HTTPS.

Screenshots of the pages it visits go to CONSOLE_SCREENSHOTS (default
target/console-screenshots); `CONSOLE_SCREENSHOTS=docs/screenshots` refreshes the committed ones.
"""

import os
import pathlib
import shutil
import tempfile
import urllib.parse

import pytest
import urllib3
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ACCOUNT, ROOT, error_of

DEMO_CONSOLE = "demo-Console-Passw0rd"
DEMO_GIT = ("demo-at-123456789012", "demo-Passw0rd-for-codecommit-local")
SHOTS = pathlib.Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "target" / "console-screenshots"))


def chromedriver():
    path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    assert os.path.exists(path), "chromedriver is missing: apt-get install chromium chromium-driver (scripts/test does)"
    return path


def gone(element):
    """Whether `element`'s page was replaced (Chromium says so in more than one way)."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


class Browser:
    """One Chromium with its own profile (cookies), pointed at one server's console."""

    def __init__(self, server):
        self.server = server
        self.base = server.https + "/console"
        self.profile = tempfile.mkdtemp(prefix="cc-chromium-")
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1366,860",
                     f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        # The server's certificate comes from its own local CA, which this profile does not
        # trust; the page still sees https, so cookies are Secure.
        options.accept_insecure_certs = True
        self.driver = webdriver.Chrome(service=Service(chromedriver()), options=options)
        self.driver.set_page_load_timeout(30)

    def quit(self):
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    def get(self, path):
        self.driver.get(self.base + path)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def testid(self, tid):
        return self.find(f'[data-testid="{tid}"]')

    def link(self, text):
        return self.driver.find_element(By.LINK_TEXT, text)

    def click(self, element):
        """Clicks a link or a submit button and waits until the next page replaced this one."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        wait = WebDriverWait(self.driver, 15)
        wait.until(lambda d: gone(page))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def press(self, css):
        self.click(self.find(css))

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))

    def sign_in(self, user, password, account=ACCOUNT):
        self.get("/signin")
        account_box = self.find("#account")
        account_box.clear()
        account_box.send_keys(account)
        self.find("#username").send_keys(user)
        self.find("#password").send_keys(password)
        self.press("form button[type=submit]")

    def cookie(self):
        c = self.driver.get_cookie("ccl_console")
        return c and c["value"]

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path


@pytest.fixture
def browser(server):
    b = Browser(server)
    yield b
    b.quit()


def post(server, path, fields, cookie):
    """A form post outside the browser (as a forged cross-site request would arrive)."""
    pool = urllib3.PoolManager(ca_certs=server.ca)
    return pool.request("POST", server.https + "/console" + path, fields=fields, encode_multipart=False,
                        headers={"Cookie": f"ccl_console={cookie}"}, redirect=False, retries=False)


def console_user(server, name, policy, password="Br0wser-test-password", reset=False):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    iam.create_login_profile(UserName=name, Password=password, PasswordResetRequired=reset)
    return password


def push_demo_files(server, tmp_path):
    work = tmp_path / "work"
    server.git("clone", "-q", server.git_url(*DEMO_GIT), str(work))
    (work / "src").mkdir(exist_ok=True)
    (work / "README.md").write_text("# Demo\n\nShown by the **console**.\n\n<script>alert(1)</script>\n")
    (work / "src" / "lib.rs").write_text("pub fn answer() -> u32 {\n    41\n}\n")
    server.git("-C", str(work), "add", "-A")
    server.git("-C", str(work), "-c", "user.name=Dee Mo", "-c", "user.email=demo@example.com",
               "commit", "-qm", "Add the library")
    (work / "src" / "lib.rs").write_text("pub fn answer() -> u32 {\n    42\n}\n")
    server.git("-C", str(work), "-c", "user.name=Dee Mo", "-c", "user.email=demo@example.com",
               "commit", "-qam", "Fix the answer")
    server.git("-C", str(work), "push", "-q", "origin", "HEAD")
    return server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()


def test_sign_in_browse_a_pushed_file_and_a_commit_diff(server, browser, tmp_path):
    head = push_demo_files(server, tmp_path)

    browser.get("/repositories")
    assert browser.path() == "/console/signin"  # no session: sign in first
    browser.shot("signin")
    browser.sign_in("demo", DEMO_CONSOLE)
    assert browser.path() == "/console/repositories"
    assert browser.testid("signed-in-user").text == "demo"
    cookie = browser.driver.get_cookie("ccl_console")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert "demo" in browser.testid("repositories").text
    browser.shot("repositories")

    browser.click(browser.link("demo"))
    readme = browser.testid("readme")
    assert "Shown by the console." in readme.text
    assert readme.find_elements(By.TAG_NAME, "strong")[0].text == "console"
    assert not readme.find_elements(By.TAG_NAME, "script")  # raw HTML is text
    assert "git clone" in browser.testid("clone-https").text
    assert "codecommit::us-east-1://demo" in browser.testid("clone-grc").text
    browser.shot("repository")

    browser.click(browser.testid("folder").find_element(By.LINK_TEXT, "src"))
    browser.click(browser.testid("folder").find_element(By.LINK_TEXT, "lib.rs"))
    content = browser.testid("file-content")
    assert content.find_element(By.ID, "L2").text.split() == ["2", "42"]
    browser.shot("file")

    browser.click(browser.link("History"))
    rows = browser.testid("commits").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows] == ["Fix the answer", "Add the library"]
    browser.click(browser.link(head[:8]))
    assert browser.path() == f"/console/repositories/demo/commits/{head}"
    assert browser.testid("commit-message").text == "Fix the answer"
    diff = browser.testid("diff-file")
    assert "src/lib.rs" in diff.text
    assert [e.text for e in diff.find_elements(By.CSS_SELECTOR, "tr.del td:last-child")] == ["-    41"]
    assert [e.text for e in diff.find_elements(By.CSS_SELECTOR, "tr.add td:last-child")] == ["+    42"]
    assert "1 file changed, 1 addition, 1 deletion" in browser.find(".stat").text
    browser.shot("commit")

    browser.click(browser.find(".crumbs").find_element(By.LINK_TEXT, "demo"))
    browser.click(browser.link("Branches and tags"))
    assert "main" in browser.testid("branches").text

    # Signing out ends the session on the server, not just in this browser.
    browser.press("form[action='/console/signout'] button")
    assert browser.path() == "/console/signin"
    gone = post(server, "/repositories", {"name": "x"}, cookie["value"])
    assert gone.status == 303 and gone.headers["location"] == "/console/signin"


def test_wrong_passwords_are_refused_alike(server, browser):
    for user, password in (("demo", "not-the-password"), ("nobody-here", DEMO_CONSOLE)):
        browser.sign_in(user, password)
        assert browser.path() == "/console/signin"
        assert "authentication information is incorrect" in browser.find(".flash.error").text
        assert browser.cookie() is None
    browser.sign_in("demo", DEMO_CONSOLE, account="999999999999")
    assert browser.cookie() is None
    browser.sign_in("demo", DEMO_CONSOLE, account="no-such-alias")
    assert browser.cookie() is None

    # A sign-in posted from elsewhere (without the sign-in page's own token) checks nothing.
    pool = urllib3.PoolManager(ca_certs=server.ca)
    forged = pool.request("POST", server.https + "/console/signin", encode_multipart=False, redirect=False,
                          fields={"account": ACCOUNT, "username": "demo", "password": DEMO_CONSOLE})
    assert forged.status == 403 and "set-cookie" in forged.headers
    assert "ccl_console" not in forged.headers["set-cookie"]
    cookie = browser.driver.get_cookie("ccl_signin")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["path"] == "/console/signin"
    forged = pool.request("POST", server.https + "/console/signin", encode_multipart=False, redirect=False,
                          headers={"Cookie": f"ccl_signin={cookie['value']}"},
                          fields={"account": ACCOUNT, "username": "demo", "password": DEMO_CONSOLE,
                                  "_csrf": "0" * 64})
    assert forged.status == 403


def test_create_and_delete_a_repository_and_forms_without_csrf_are_refused(server, browser, name):
    cc = server.client("codecommit")
    browser.sign_in("demo", DEMO_CONSOLE)
    cookie = browser.cookie()

    # A post with the session cookie but without the form's token changes nothing.
    forged = post(server, "/repositories", {"name": name}, cookie)
    assert forged.status == 403 and b"InvalidCsrfToken" in forged.data
    with pytest.raises(Exception) as e:
        cc.get_repository(repositoryName=name)
    assert error_of(e)[0] == "RepositoryDoesNotExistException"
    forged = post(server, "/repositories", {"name": name, "_csrf": "0" * 64}, cookie)
    assert forged.status == 403

    browser.find("#name").send_keys(name)
    browser.find("#description").send_keys("Made in the console")
    browser.press("#create button[type=submit]")
    assert browser.path() == f"/console/repositories/{name}"
    assert cc.get_repository(repositoryName=name)["repositoryMetadata"]["repositoryDescription"] == "Made in the console"

    # Creating it again shows CodeCommit's own error on the form.
    browser.get("/repositories")
    browser.find("#name").send_keys(name)
    browser.press("#create button[type=submit]")
    assert "RepositoryNameExistsException" in browser.find(".flash.error").text

    # AWSCodeCommitPowerUser may not delete repositories: no form to do it with.
    browser.get(f"/repositories/{name}")
    assert not browser.finds("#confirm")
    browser.press("form[action='/console/signout'] button")
    browser.sign_in(name, console_user(server, name, "AWSCodeCommitFullAccess"))
    browser.get(f"/repositories/{name}")
    browser.find("#confirm").send_keys("remove")  # not the word asked for
    browser.press("form[action$='/delete'] button")
    assert "type delete" in browser.testid("error").text
    assert cc.get_repository(repositoryName=name)
    browser.get(f"/repositories/{name}")
    browser.find("#confirm").send_keys("delete")
    browser.press("form[action$='/delete'] button")
    assert browser.path() == "/console/repositories"
    with pytest.raises(Exception) as e:
        cc.get_repository(repositoryName=name)
    assert error_of(e)[0] == "RepositoryDoesNotExistException"


def test_a_read_only_user_sees_and_may_do_only_what_its_policies_allow(server, browser, name):
    password = console_user(server, name, "AWSCodeCommitReadOnly")
    browser.sign_in(name, password)
    assert browser.testid("signed-in-user").text == name
    assert "demo" in browser.testid("repositories").text
    with pytest.raises(NoSuchElementException):
        browser.find("#create")  # no form it could not use
    browser.get("/repositories/demo")
    assert not browser.finds("form[action$='/delete']")

    # Forcing the post, with this session's own token, meets the same IAM decision as the API.
    browser.get("/repositories/demo")
    token = browser.find("form[action='/console/signout'] input[name=_csrf]").get_attribute("value")
    refused = post(server, "/repositories", {"name": name + "-x", "_csrf": token}, browser.cookie())
    assert refused.status == 403 and b"AccessDeniedException" in refused.data
    refused = post(server, "/repositories/demo/delete", {"confirm": "delete", "_csrf": token}, browser.cookie())
    assert refused.status == 403
    assert server.client("codecommit").get_repository(repositoryName="demo")

    # No policy at all: even the list is refused, as in the API.
    iam = server.client("iam")
    iam.detach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AWSCodeCommitReadOnly")
    browser.get("/repositories")
    assert "AccessDeniedException" in browser.testid("error").text


def test_a_password_reset_is_required_before_anything_else(server, browser, name):
    iam = server.client("iam")
    old = console_user(server, name, "AWSCodeCommitReadOnly", reset=True)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    browser.sign_in(name, old)
    assert browser.cookie() is None  # no session until a new password is chosen
    browser.find("#old").send_keys(old)
    browser.find("#new").send_keys("weak")
    browser.find("#confirm").send_keys("weak")
    browser.press("form button[type=submit]")
    assert "does not conform to the account password policy" in browser.find(".flash.error").text
    browser.shot("change-password")
    new = "N3w-password-for-console"
    browser.find("#old").send_keys(old)
    browser.find("#new").send_keys(new)
    browser.find("#confirm").send_keys(new)
    browser.press("form button[type=submit]")
    assert browser.path() == "/console/repositories"
    assert browser.testid("signed-in-user").text == name
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False

    # The old password no longer signs in; the new one does.
    browser.driver.delete_all_cookies()
    browser.sign_in(name, old)
    assert browser.cookie() is None
    browser.sign_in(name, new)
    assert browser.path() == "/console/repositories"
    # Deleting the login profile ends the session.
    iam.delete_login_profile(UserName=name)
    browser.get("/repositories")
    assert browser.path() == "/console/signin"


def select(browser, css, value):
    from selenium.webdriver.support.ui import Select
    Select(browser.find(css)).select_by_value(value)


def push_branch(server, tmp_path, branch, path, text, base="main", message=None):
    work = tmp_path / f"w-{branch}"
    if not work.exists():
        server.git("clone", "-q", server.git_url(*DEMO_GIT), str(work))
    server.git("-C", str(work), "fetch", "-q", "origin")
    server.git("-C", str(work), "checkout", "-q", "-B", branch, f"origin/{base}")
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text(text)
    server.git("-C", str(work), "add", "-A")
    server.git("-C", str(work), "-c", "user.name=Dee Mo", "-c", "user.email=demo@example.com",
               "commit", "-qm", message or f"Change {path} on {branch}")
    server.git("-C", str(work), "push", "-q", "origin", f"{branch}:{branch}")
    return server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()


def test_pull_request_review_approval_comments_and_merge(server, browser, tmp_path, name):
    iam = server.client("iam")
    work = tmp_path / "main"
    server.git("clone", "-q", server.git_url(*DEMO_GIT), str(work))
    (work / "notes.txt").write_text("one\ntwo\nthree\n")
    server.git("-C", str(work), "add", "-A")
    server.git("-C", str(work), "-c", "user.name=Dee Mo", "-c", "user.email=demo@example.com",
               "commit", "-qm", "Notes")
    server.git("-C", str(work), "push", "-q", "origin", "HEAD:main")
    feature = f"{name}-feature"
    push_branch(server, tmp_path, feature, "notes.txt", "one\n2\nthree\nfour\n")

    browser.sign_in("demo", DEMO_CONSOLE)
    browser.get("/repositories/demo")
    browser.click(browser.link("Pull requests"))
    browser.click(browser.link("Create pull request"))
    select(browser, "#source", feature)
    browser.press("form.inline-form button[type=submit]")
    diff = browser.testid("diff-file")
    assert [e.text for e in diff.find_elements(By.CSS_SELECTOR, "tr.add td:last-child")] == ["+2", "+four"]
    title = browser.find("#title")
    title.clear()
    title.send_keys(f"Count in digits ({name})")
    browser.find("#description").send_keys("Replaces **two** with a digit.")
    browser.press("#details button[type=submit]")
    assert "/pull-requests/" in browser.path()
    pr_id = browser.path().rsplit("/", 1)[1]
    assert browser.testid("pr-status").text == "Open"
    assert browser.testid("pr-source").text == feature
    assert browser.find('[data-testid="pr-description"] strong').text == "two"
    cc = server.client("codecommit")
    assert cc.get_pull_request(pullRequestId=pr_id)["pullRequest"]["title"] == f"Count in digits ({name})"

    # A rule needing one approval; merging before it is met is refused on the page.
    browser.find("#approvals details summary").click()
    browser.find("#rule-name").send_keys("One reviewer")
    browser.press("#approvals details form button[type=submit]")
    assert "1 approval from anyone" in browser.testid("approval-rules").text
    assert browser.testid("approval-status").text == "Not yet approved"
    browser.press('[data-testid="merge-button"]')
    assert "PullRequestApprovalRulesNotSatisfiedException" in browser.find(".flash.error").text
    browser.shot("pull-request")

    # A comment on a line of the change.
    browser.click(browser.link("Changes"))
    row = browser.find("table.diff tr.add")
    browser.click(row.find_elements(By.CSS_SELECTOR, "td.ln a")[-1])
    browser.find("#line-comment").send_keys("Digits read better.")
    browser.press("#comment-form button[type=submit]")
    assert "Digits read better." in browser.testid("line-comments").text
    browser.shot("pull-request-changes")
    threads = cc.get_comments_for_pull_request(pullRequestId=pr_id)["commentsForPullRequestData"]
    assert threads[0]["location"] == {"filePath": "notes.txt", "filePosition": 2, "relativeFileVersion": "AFTER"}

    # The author cannot approve; a second user can, in another browser.
    browser.click(browser.link("Details"))
    browser.press('[data-testid="approve"]')
    assert "PullRequestCannotBeApprovedByAuthorException" in browser.find(".flash.error").text
    reviewer = Browser(server)
    try:
        reviewer.sign_in(name, console_user(server, name, "AWSCodeCommitPowerUser"))
        reviewer.get(f"/repositories/demo/pull-requests/{pr_id}")
        reviewer.press('[data-testid="approve"]')
        assert reviewer.testid("approvers").text == name
        assert reviewer.testid("approval-status").text == "Approved"
        reviewer.press('[data-testid="revoke"]')
        assert reviewer.testid("approvers").text == "Nobody yet."
        assert reviewer.testid("approval-status").text == "Not yet approved"
        reviewer.press('[data-testid="approve"]')
        assert reviewer.testid("approval-status").text == "Approved"
    finally:
        reviewer.quit()

    # A read-only user sees no merge it could do, and is refused one it forces.
    reader = Browser(server)
    try:
        reader.sign_in(name + "-ro", console_user(server, name + "-ro", "AWSCodeCommitReadOnly"))
        reader.get(f"/repositories/demo/pull-requests/{pr_id}")
        assert reader.testid("merge-not-allowed")
        assert not reader.finds('[data-testid="approve"]')
        token = reader.find("form[action='/console/signout'] input[name=_csrf]").get_attribute("value")
        source = cc.get_pull_request(pullRequestId=pr_id)["pullRequest"]["pullRequestTargets"][0]["sourceCommit"]
        refused = post(server, f"/repositories/demo/pull-requests/{pr_id}/merge",
                       {"strategy": "three-way", "source_commit": source, "_csrf": token}, reader.cookie())
        assert refused.status == 403 and b"AccessDeniedException" in refused.data
    finally:
        reader.quit()
    assert cc.get_pull_request(pullRequestId=pr_id)["pullRequest"]["pullRequestStatus"] == "OPEN"

    # The author merges; git sees the merge.
    browser.get(f"/repositories/demo/pull-requests/{pr_id}")
    browser.find("input[name=strategy][value=three-way]").click()
    browser.find("#message").send_keys(f"Merge {feature}")
    browser.press('[data-testid="merge-button"]')
    assert browser.testid("pr-status").text == "Merged"
    assert "three-way merge" in browser.testid("merged").text
    browser.shot("pull-request-merged")
    server.git("-C", str(work), "pull", "-q", "origin", "main")
    log = server.git("-C", str(work), "log", "-1", "--format=%s%n%P").stdout.split("\n")
    assert log[0] == f"Merge {feature}" and len(log[1].split()) == 2
    assert (work / "notes.txt").read_text() == "one\n2\nthree\nfour\n"

    browser.get("/repositories/demo/pull-requests?status=closed")
    assert f"Count in digits ({name})" in browser.testid("pull-requests").text
    browser.get(f"/repositories/demo/pull-requests/{pr_id}?tab=activity")
    events = browser.testid("events").text
    assert "opened the pull request" in events and "approved" in events and "merged" in events
    iam.delete_login_profile(UserName=name)


def test_a_conflicting_pull_request_shows_its_conflicts(server, browser, tmp_path, name):
    left, right = f"{name}-left", f"{name}-right"
    push_branch(server, tmp_path, left, "conflict.txt", "left\n")
    push_branch(server, tmp_path, right, "conflict.txt", "right\n")
    cc = server.client("codecommit")
    pr = cc.create_pull_request(title="Conflicts", targets=[{
        "repositoryName": "demo", "sourceReference": right, "destinationReference": left}])["pullRequest"]
    browser.sign_in("demo", DEMO_CONSOLE)
    browser.get(f"/repositories/demo/pull-requests/{pr['pullRequestId']}")
    assert "conflict.txt" in browser.testid("conflicts").text
    assert not browser.finds('[data-testid="merge-button"]')  # no strategy can merge it
    assert "No merge strategy can merge" in browser.testid("merge").text
    browser.shot("pull-request-conflicts")
    browser.press('[data-testid="close"]')
    assert browser.testid("pr-status").text == "Closed"
    assert cc.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]["pullRequestStatus"] == "CLOSED"


def test_git_credentials_ssh_keys_and_access_keys_from_the_iam_pages(server, browser, tmp_path, name):
    iam = server.client("iam")
    password = console_user(server, name, "AWSCodeCommitPowerUser")
    browser.sign_in(name, password)
    browser.click(browser.link("Users"))
    assert name in browser.testid("users").text
    browser.click(browser.testid("users").find_element(By.LINK_TEXT, name))
    assert browser.testid("user-name").text == name

    # A Git credential: the password is on this page once, and it clones.
    browser.press('[data-testid="git-create"]')
    shown = browser.testid("new-git-credential")
    values = [e.text for e in shown.find_elements(By.CSS_SELECTOR, "dd code")]
    assert values[0] == f"{name}-at-{ACCOUNT}"
    browser.shot("iam-user-git-credential")
    clone = tmp_path / "clone"
    server.git("clone", "-q", server.git_url(values[0], values[1]), str(clone))
    assert (clone / ".git").is_dir()
    browser.get(f"/iam/users/{name}")
    assert not browser.finds('[data-testid="new-git-credential"]')
    assert values[1] not in browser.driver.page_source
    assert values[1] not in server.log()
    cred_id = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"][0][
        "ServiceSpecificCredentialId"]
    assert cred_id in browser.testid("git-credentials").text

    # Deactivated, it no longer clones; reset gives a new password.
    browser.press('[data-testid="git-inactive"]')
    assert "Inactive" in browser.testid("git-credentials").text
    refused = server.git("clone", "-q", server.git_url(values[0], values[1]), str(tmp_path / "no"), check=False)
    assert refused.returncode != 0
    browser.press('[data-testid="git-active"]')
    browser.press('[data-testid="git-reset"]')
    reset = [e.text for e in browser.testid("new-git-credential").find_elements(By.CSS_SELECTOR, "dd code")]
    assert reset[1] != values[1]
    server.git("clone", "-q", server.git_url(reset[0], reset[1]), str(tmp_path / "again"))

    # An SSH key: upload it, see the key ID to use as the SSH user name.
    from conftest import keygen
    key = keygen(tmp_path, "console")
    browser.find("#ssh-key").send_keys(key.with_suffix(".pub").read_text())
    browser.press("#ssh-upload button[type=submit]")
    key_id = iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"][0]["SSHPublicKeyId"]
    assert key_id in browser.testid("new-ssh-key").text
    assert key_id in browser.testid("ssh-keys").text
    browser.find("#ssh-key").send_keys("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKc6dummy")
    browser.press("#ssh-upload button[type=submit]")
    assert browser.find(".flash.error").text  # IAM's own refusal, on the page

    # Access keys: AWSCodeCommitPowerUser may not create them; an IAM administrator may.
    assert not browser.finds('[data-testid="key-create"]')
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    browser.get(f"/iam/users/{name}")
    browser.press('[data-testid="key-create"]')
    made = [e.text for e in browser.testid("new-access-key").find_elements(By.CSS_SELECTOR, "dd code")]
    assert made[0].startswith("AKIA") and len(made[1]) == 40
    sts = server.client("sts", key=made[0], secret=made[1])
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{name}")
    assert "IAMFullAccess" in browser.testid("attached-policies").text
    browser.shot("iam-user")
    browser.press('[data-testid="key-delete"]')
    assert not iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    iam.delete_login_profile(UserName=name)


def test_triggers_and_the_event_delivery_log(tmp_path):
    from conftest import ADMIN_FIXTURE, Server, admin_git_login
    from test_events import Receiver
    hook = Receiver()
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:console-pushes"
    (tmp_path / "fixture.toml").write_text(ADMIN_FIXTURE + f"""
[[webhooks]]
arn = "{topic}"
url = "http://127.0.0.1:{hook.port}/hook"
""")
    server = Server(["--fixtures", str(tmp_path / "fixture.toml")])
    browser = Browser(server)
    try:
        server.client("codecommit").create_repository(repositoryName="hooked")
        browser.sign_in("ops", console_user(server, "ops", "AWSCodeCommitFullAccess"))
        browser.get("/repositories/hooked")
        browser.click(browser.link("Triggers"))
        browser.find("#trigger-name").send_keys("pushes")
        browser.find("#destination").send_keys(topic)
        browser.find("#custom-data").send_keys("from the console")
        browser.press("#add-trigger button[type=submit]")
        assert "console-pushes" in browser.testid("triggers").text
        assert server.client("codecommit").get_repository_triggers(repositoryName="hooked")["triggers"][0][
            "customData"] == "from the console"

        work = tmp_path / "work"
        user, password = admin_git_login(server)
        server.git("clone", "-q", server.git_url(user, password, repo="hooked"), str(work))
        (work / "a.txt").write_text("a\n")
        server.git("-C", str(work), "add", "-A")
        server.git("-C", str(work), "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm", "A")
        server.git("-C", str(work), "push", "-q", "origin", "HEAD:main")
        [record] = hook.wait(1)
        assert record["Records"][0]["customData"] == "from the console"

        browser.get("/repositories/hooked/triggers")
        deliveries = browser.testid("deliveries").text
        assert "delivered" in deliveries and topic in deliveries
        browser.shot("triggers")
        browser.press('[data-testid="test-triggers"]')
        assert "pushes: delivered" in browser.testid("test-result").text
        assert len(hook.wait(2)) == 2

        browser.press("[data-testid=triggers] form button")
        assert not browser.finds('[data-testid="triggers"]')
        assert server.client("codecommit").get_repository_triggers(repositoryName="hooked")["triggers"] == []
    finally:
        browser.quit()
        server.stop()
        hook.stop()


def test_long_lists_page(server, browser, name):
    cc = server.client("codecommit")
    for i in range(51):
        cc.create_repository(repositoryName=f"{name}-{i:02}")
    total = len(cc.list_repositories()["repositories"])
    browser.sign_in("demo", DEMO_CONSOLE)
    seen = []
    while True:
        rows = browser.testid("repositories").find_elements(By.CSS_SELECTOR, "tbody tr td:first-child")
        assert len(rows) <= 50
        seen += [r.text for r in rows]
        more = browser.driver.find_elements(By.LINK_TEXT, "Next page")
        if not more:
            break
        browser.click(more[0])
    assert len(seen) == total and len(set(seen)) == total
    assert f"{name}-50" in seen
    for i in range(51):
        cc.delete_repository(repositoryName=f"{name}-{i:02}")


@pytest.mark.parametrize("strategy", ["fast-forward", "squash"])
def test_merge_by_fast_forward_and_squash(server, browser, tmp_path, name, strategy):
    work = tmp_path / "main"
    server.git("clone", "-q", server.git_url(*DEMO_GIT), str(work))
    main_before = server.git("-C", str(work), "rev-parse", "origin/main").stdout.strip()
    branch = f"{name}-{strategy}"
    push_branch(server, tmp_path, branch, f"{branch}.txt", "one\n")
    tip = push_branch(server, tmp_path, branch, f"{branch}.txt", "two\n", base=branch)
    cc = server.client("codecommit")
    pr = cc.create_pull_request(title=strategy, targets=[{
        "repositoryName": "demo", "sourceReference": branch, "destinationReference": "main"}])["pullRequest"]
    browser.sign_in("demo", DEMO_CONSOLE)
    browser.get(f"/repositories/demo/pull-requests/{pr['pullRequestId']}")
    assert browser.find("input[name=strategy][value=fast-forward]").is_enabled()  # main has not moved
    browser.find(f"input[name=strategy][value={strategy}]").click()
    browser.press('[data-testid="merge-button"]')
    assert browser.testid("pr-status").text == "Merged"
    server.git("-C", str(work), "pull", "-q", "origin", "main")
    head = server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()
    parents = server.git("-C", str(work), "log", "-1", "--format=%P").stdout.split()
    if strategy == "fast-forward":
        assert head == tip  # main is the branch's own commit
    else:
        assert head != tip and parents == [main_before]  # one new commit on top of main
    assert (work / f"{branch}.txt").read_text() == "two\n"


def test_a_large_commit_pages_its_files(server, browser, tmp_path, name):
    work = tmp_path / "work"
    server.git("clone", "-q", server.git_url(*DEMO_GIT), str(work))
    for i in range(105):
        (work / name / f"f{i:03}.txt").parent.mkdir(exist_ok=True)
        (work / name / f"f{i:03}.txt").write_text(f"{i}\n")
    server.git("-C", str(work), "add", "-A")
    server.git("-C", str(work), "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm", "Many")
    server.git("-C", str(work), "push", "-q", "origin", "HEAD:main")
    head = server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()
    browser.sign_in("demo", DEMO_CONSOLE)
    browser.get(f"/repositories/demo/commits/{head}")
    assert "105 files changed; files 1–100 shown" in browser.find(".stat").text
    assert len(browser.finds('[data-testid="diff-file"]')) == 100
    browser.click(browser.link("Next files"))
    assert len(browser.finds('[data-testid="diff-file"]')) == 5
    assert f"{name}/f104.txt" in browser.finds('[data-testid="diff-file"]')[-1].text
    assert browser.link("Previous files")


def test_sign_in_with_the_account_alias(server, browser):
    iam = server.client("iam")
    iam.create_account_alias(AccountAlias="console-demo")
    try:
        browser.sign_in("demo", DEMO_CONSOLE, account="console-demo")
        assert browser.testid("signed-in-user").text == "demo"
    finally:
        iam.delete_account_alias(AccountAlias="console-demo")
