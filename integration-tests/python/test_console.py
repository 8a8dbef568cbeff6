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
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ACCOUNT, ROOT, error_of

DEMO_CONSOLE = "demo-Console-Passw0rd"
DEMO_GIT = ("demo-at-123456789012", "demo-Passw0rd-for-codecommit-local")
SHOTS = pathlib.Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "target" / "console-screenshots"))


def chromedriver():
    path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    assert os.path.exists(path), "chromedriver is missing: apt-get install chromium chromium-driver (scripts/test does)"
    return path


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
        WebDriverWait(self.driver, 15).until(expected_conditions.staleness_of(page))

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
