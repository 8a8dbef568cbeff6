#!/usr/bin/env bash
# Clones and pushes through CodeCommit's three auth paths using the real host names, as a
# service on the compose network would. Needs: AWS credentials (the fixture's admin key),
# AWS_DEFAULT_REGION, AWS_CA_BUNDLE and GIT_SSL_CAINFO (the server's CA). No endpoint flags.
set -euo pipefail

host=${CODECOMMIT_HOST:-git-codecommit.us-east-1.amazonaws.com}
ssh_port=${CODECOMMIT_SSH_PORT:-22}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_TERMINAL_PROMPT=0
git config --global user.name "compose client"
git config --global user.email "client@example.com"
git config --global init.defaultBranch main

step() { printf '\n== %s\n' "$*"; }

commit_and_push() { # dir branch remote-args...
  local dir=$1 branch=$2
  shift 2
  echo "$branch $(date +%s%N)" > "$dir/$branch.txt"
  git -C "$dir" add .
  git -C "$dir" commit -qm "$branch"
  git -C "$dir" "$@" push -q origin "HEAD:refs/heads/$branch"
}

step "AWS APIs by their real host names"
aws sts get-caller-identity
user=compose-$RANDOM$RANDOM
aws iam create-user --user-name "$user" > /dev/null
# Authorization is on, as on AWS: the new user gets what a developer needs.
aws iam attach-user-policy --user-name "$user" \
  --policy-arn arn:aws:iam::aws:policy/AWSCodeCommitPowerUser

step "1. Git credentials over HTTPS"
cred=$(aws iam create-service-specific-credential --user-name "$user" \
  --service-name codecommit.amazonaws.com \
  --query 'ServiceSpecificCredential.[ServiceUserName,ServicePassword]' --output text)
read -r cc_user cc_pass <<< "$cred"
enc_pass=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$cc_pass")
git clone -q "https://$cc_user:$enc_pass@$host/v1/repos/demo" https-clone
commit_and_push https-clone "https-$user"

step "2. SigV4: the AWS CLI credential helper"
git -c credential.helper='!aws codecommit credential-helper $@' -c credential.UseHttpPath=true \
  clone -q "https://$host/v1/repos/demo" helper-clone
commit_and_push helper-clone "helper-$user" -c credential.helper='!aws codecommit credential-helper $@' \
  -c credential.UseHttpPath=true

step "2b. SigV4: git-remote-codecommit"
git clone -q codecommit::us-east-1://demo grc-clone
commit_and_push grc-clone "grc-$user"

step "3. SSH with an IAM SSH key"
mkdir -p "$HOME/.ssh"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$HOME/.ssh/codecommit_rsa"
key_id=$(aws iam upload-ssh-public-key --user-name "$user" \
  --ssh-public-key-body "file://$HOME/.ssh/codecommit_rsa.pub" \
  --query SSHPublicKey.SSHPublicKeyId --output text)
# The Host/User block the AWS docs describe. OpenSSH reads ~/.ssh/config from the passwd
# home directory, so name the file explicitly: $HOME may point elsewhere.
cat > "$HOME/.ssh/config" <<CONFIG
Host $host
  User $key_id
  Port $ssh_port
  IdentityFile $HOME/.ssh/codecommit_rsa
  IdentitiesOnly yes
  StrictHostKeyChecking accept-new
  UserKnownHostsFile $HOME/.ssh/known_hosts
CONFIG
export GIT_SSH_COMMAND="ssh -F $HOME/.ssh/config"
ssh -F "$HOME/.ssh/config" -T "$host"
git clone -q "ssh://$host/v1/repos/demo" ssh-clone
commit_and_push ssh-clone "ssh-$user"

step "Every push is on the server"
branches=$(aws codecommit list-branches --repository-name demo --output text)
for b in "https-$user" "helper-$user" "grc-$user" "ssh-$user"; do
  grep -q "$b" <<< "$branches" || { echo "missing branch $b"; exit 1; }
done
echo "all three auth paths work"
