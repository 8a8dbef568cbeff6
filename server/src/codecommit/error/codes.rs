//! Every CodeCommit error code, named once: its constant, the constructor that builds it and
//! the message it carries. A call site names the error (`E::path_required()`); a check
//! compares with the constant (`e.code == E::REPOSITORY_DOES_NOT_EXIST`).
//!
//! Messages follow AWS's where we know them (the botocore model's descriptions); a
//! placeholder names what the request gave, as AWS's own messages often do.

use super::CodeCommitError;

/// `CONSTANT = "Code", constructor(params) => "message";` makes `CodeCommitError::CONSTANT`
/// and `CodeCommitError::constructor`, whose message is `format!("message")` over its
/// parameters. A code whose message the caller gives (the protocol's own) has no constructor
/// here.
macro_rules! codes {
    ($(
        $konst:ident = $code:literal
        $(, $ctor:ident($($param:ident: $ty:ty),*) => $message:literal)?;
    )*) => {
        impl CodeCommitError {
            $(pub const $konst: &'static str = $code;)*
            $($(
                pub fn $ctor($($param: $ty),*) -> Self {
                    CodeCommitError::new(CodeCommitError::$konst, format!($message))
                }
            )?)*
        }
    };
}

codes! {
    // The protocol's own: the pipeline and the operation layer give the message.
    // `CodeCommitError::internal` hides its detail; this one says what failed, as SigV4 does.
    INTERNAL_FAILURE = "InternalFailure",
        internal_failure(message: String) => "{message}";
    ACCESS_DENIED = "AccessDeniedException";
    VALIDATION = "ValidationException";
    SERIALIZATION = "SerializationException";
    UNKNOWN_OPERATION = "UnknownOperationException",
        unknown_operation(message: String) => "{message}";
    MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationTokenException",
        missing_authentication_token(message: String) => "{message}";
    INCOMPLETE_SIGNATURE = "IncompleteSignatureException",
        incomplete_signature(message: String) => "{message}";
    INVALID_SIGNATURE = "InvalidSignatureException",
        invalid_signature(message: String) => "{message}";
    UNRECOGNIZED_CLIENT = "UnrecognizedClientException",
        unrecognized_client(message: String) => "{message}";
    EXPIRED_TOKEN = "ExpiredTokenException",
        expired_token(message: String) => "{message}";
    REQUEST_ENTITY_TOO_LARGE = "RequestEntityTooLargeException",
        request_entity_too_large(message: String) => "{message}";
    THROTTLING = "ThrottlingException",
        throttling(message: String) => "{message}";
    INVALID_CONTINUATION_TOKEN = "InvalidContinuationTokenException",
        invalid_continuation_token() => "The specified continuation token is not valid.";
    INVALID_MAX_RESULTS = "InvalidMaxResultsException",
        invalid_max_results() => "The specified number of maximum results is not valid.";

    // Repositories and their tags.
    REPOSITORY_NAME_REQUIRED = "RepositoryNameRequiredException",
        repository_name_required() => "A repository name is required, but was not specified.";
    INVALID_REPOSITORY_NAME = "InvalidRepositoryNameException",
        invalid_repository_name(why: &str) => "The repository name is not valid: {why}";
    REPOSITORY_DOES_NOT_EXIST = "RepositoryDoesNotExistException",
        repository_does_not_exist(name: &str) => "{name} does not exist";
    REPOSITORY_NAME_EXISTS = "RepositoryNameExistsException",
        repository_name_exists(name: &str) => "Repository named {name} already exists";
    REPOSITORY_LIMIT_EXCEEDED = "RepositoryLimitExceededException",
        repository_limit_exceeded(max: usize) =>
            "The maximum number of repositories ({max}) for this account has been reached.";
    INVALID_REPOSITORY_DESCRIPTION = "InvalidRepositoryDescriptionException",
        invalid_repository_description() =>
            "The repository description is not valid: it must be at most 1000 characters.";
    REPOSITORY_NAMES_REQUIRED = "RepositoryNamesRequiredException",
        repository_names_required() =>
            "At least one repository name is required, but was not specified.";
    MAXIMUM_REPOSITORY_NAMES_EXCEEDED = "MaximumRepositoryNamesExceededException",
        maximum_repository_names_exceeded(max: usize) =>
            "The maximum number of allowed repository names was exceeded. Currently, this number is {max}.";
    INVALID_SORT_BY = "InvalidSortByException",
        invalid_sort_by() => "The specified sort by value is not valid.";
    INVALID_ORDER = "InvalidOrderException",
        invalid_order() => "The specified sort order is not valid.";
    ENCRYPTION_KEY_REQUIRED = "EncryptionKeyRequiredException",
        encryption_key_required() => "A KMS encryption key ID is required, but was not specified.";
    ENCRYPTION_KEY_INVALID_ID = "EncryptionKeyInvalidIdException",
        encryption_key_invalid_id() => "The Key Management Service encryption key is not valid.";
    RESOURCE_ARN_REQUIRED = "ResourceArnRequiredException",
        resource_arn_required() =>
            "A valid Amazon Resource Name (ARN) is required, but was not specified.";
    INVALID_RESOURCE_ARN = "InvalidResourceArnException",
        invalid_resource_arn(arn: &str) => "The value for the resource ARN is not valid: {arn}";
    TAGS_MAP_REQUIRED = "TagsMapRequiredException",
        tags_map_required() => "A map of tags is required, but was not specified.";
    TAG_KEYS_LIST_REQUIRED = "TagKeysListRequiredException",
        tag_keys_list_required() => "A list of tag keys is required, but was not specified.";
    INVALID_TAGS_MAP = "InvalidTagsMapException",
        invalid_tags_map() => "The map of tags is not valid.";
    TOO_MANY_TAGS = "TooManyTagsException",
        too_many_tags() => "A repository can have at most 50 tags.";
    INVALID_SYSTEM_TAG_USAGE = "InvalidSystemTagUsageException",
        invalid_system_tag_usage() => "The tag key is reserved for AWS (aws:).";

    // Branches and commit specifiers.
    BRANCH_NAME_REQUIRED = "BranchNameRequiredException",
        branch_name_required() => "A branch name is required, but was not specified.";
    INVALID_BRANCH_NAME = "InvalidBranchNameException",
        invalid_branch_name(name: &str) => "The specified reference name {name} is not valid.";
    BRANCH_DOES_NOT_EXIST = "BranchDoesNotExistException",
        branch_does_not_exist(name: &str) => "The specified branch {name} does not exist.";
    BRANCH_NAME_EXISTS = "BranchNameExistsException",
        branch_name_exists(name: &str) => "Branch {name} already exists";
    BRANCH_NAME_IS_TAG_NAME = "BranchNameIsTagNameException",
        branch_name_is_tag_name(name: &str) => "The specified branch name {name} is a tag name.";
    DEFAULT_BRANCH_CANNOT_BE_DELETED = "DefaultBranchCannotBeDeletedException",
        default_branch_cannot_be_deleted(name: &str) =>
            "The default branch {name} cannot be deleted.";
    COMMIT_REQUIRED = "CommitRequiredException",
        commit_required() => "A commit is required, but was not specified.";
    COMMIT_DOES_NOT_EXIST = "CommitDoesNotExistException",
        commit_does_not_exist(commit: &str) => "The specified commit {commit} does not exist";
    COMMIT_ID_REQUIRED = "CommitIdRequiredException",
        commit_id_required() => "A commit ID is required, but was not specified.";
    INVALID_COMMIT_ID = "InvalidCommitIdException",
        invalid_commit_id(id: &str) => "The specified commit ID {id} is not valid.";
    COMMIT_ID_DOES_NOT_EXIST = "CommitIdDoesNotExistException",
        commit_id_does_not_exist(id: &str) => "The specified commit ID {id} does not exist";
    COMMIT_IDS_LIST_REQUIRED = "CommitIdsListRequiredException",
        commit_ids_list_required() => "A list of commit IDs is required, but was not specified.";
    COMMIT_IDS_LIMIT_EXCEEDED = "CommitIdsLimitExceededException",
        commit_ids_limit_exceeded() =>
            "The maximum number of allowed commit IDs in a batch request is 100.";

    // Files, folders and blobs.
    PATH_REQUIRED = "PathRequiredException",
        path_required() => "A path is required, but was not specified.";
    INVALID_PATH = "InvalidPathException",
        invalid_path(path: &str) => "The specified path is not valid: {path}";
    PATH_DOES_NOT_EXIST = "PathDoesNotExistException",
        path_does_not_exist(path: &str) => "The specified path {path} does not exist.";
    FILE_DOES_NOT_EXIST = "FileDoesNotExistException",
        file_does_not_exist(path: &str) => "The specified file {path} does not exist.";
    FOLDER_DOES_NOT_EXIST = "FolderDoesNotExistException",
        folder_does_not_exist(folder: &str) => "The specified folder {folder} does not exist";
    FILE_TOO_LARGE = "FileTooLargeException",
        file_too_large() => "The specified file exceeds the file size limit for CodeCommit.";
    BLOB_ID_REQUIRED = "BlobIdRequiredException",
        blob_id_required() => "A blob ID is required, but was not specified.";
    INVALID_BLOB_ID = "InvalidBlobIdException",
        invalid_blob_id(id: &str) => "The specified blob ID {id} is not valid.";
    BLOB_ID_DOES_NOT_EXIST = "BlobIdDoesNotExistException",
        blob_id_does_not_exist(id: &str) => "The specified blob {id} does not exist";

    // Commits made through the API (CreateCommit, PutFile, DeleteFile, merges).
    PARENT_COMMIT_ID_REQUIRED = "ParentCommitIdRequiredException",
        parent_commit_id_required() =>
            "A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or git log).";
    INVALID_PARENT_COMMIT_ID = "InvalidParentCommitIdException",
        invalid_parent_commit_id(id: &str) => "The parent commit ID {id} is not valid.";
    PARENT_COMMIT_DOES_NOT_EXIST = "ParentCommitDoesNotExistException",
        parent_commit_does_not_exist(id: &str) => "The parent commit ID {id} does not exist";
    PARENT_COMMIT_ID_OUTDATED = "ParentCommitIdOutdatedException",
        parent_commit_id_outdated(branch: &str) =>
            "The provided parent commit ID is not the current tip of branch {branch}. To view the full commit ID of the current head of the branch, use GetBranch.";
    NAME_LENGTH_EXCEEDED = "NameLengthExceededException",
        name_length_exceeded() =>
            "The user name is not valid because it has exceeded the character limit for author names.";
    INVALID_EMAIL = "InvalidEmailException",
        invalid_email(email: &str) => "The specified email address {email} is not valid.";
    COMMIT_MESSAGE_LENGTH_EXCEEDED = "CommitMessageLengthExceededException",
        commit_message_length_exceeded() => "The commit message is too long.";
    FILE_ENTRY_REQUIRED = "FileEntryRequiredException",
        file_entry_required() =>
            "The commit cannot be created because no files have been specified as added, updated, or changed (PutFile or DeleteFile) for the commit.";
    MAXIMUM_FILE_ENTRIES_EXCEEDED = "MaximumFileEntriesExceededException",
        maximum_file_entries_exceeded() =>
            "The number of specified files to change as part of this commit exceeds the maximum number of files that can be changed in a single commit.";
    SAME_PATH_REQUEST = "SamePathRequestException",
        same_path_request(path: &str) =>
            "The commit cannot be created because one or more changes in this commit duplicate actions in the same file path: {path}";
    FILE_CONTENT_REQUIRED = "FileContentRequiredException",
        file_content_required() => "The file content is required, but was not specified.";
    FILE_CONTENT_AND_SOURCE_FILE_SPECIFIED = "FileContentAndSourceFileSpecifiedException",
        file_content_and_source_file_specified() =>
            "The commit cannot be created because both a source file and file content have been specified for the same file.";
    SOURCE_FILE_OR_CONTENT_REQUIRED = "SourceFileOrContentRequiredException",
        source_file_or_content_required() =>
            "The commit cannot be created because no source files or file content have been specified for the commit.";
    FILE_CONTENT_SIZE_LIMIT_EXCEEDED = "FileContentSizeLimitExceededException",
        file_content_size_limit_exceeded() => "The file cannot be added because it is too large.";
    FILE_MODE_REQUIRED = "FileModeRequiredException",
        file_mode_required() => "A file mode is required, but was not specified.";
    INVALID_FILE_MODE = "InvalidFileModeException",
        invalid_file_mode(mode: &str) => "The specified file mode permission {mode} is not valid.";
    FILE_NAME_CONFLICTS_WITH_DIRECTORY_NAME = "FileNameConflictsWithDirectoryNameException",
        file_name_conflicts_with_directory_name(path: &str) =>
            "The file name {path} conflicts with a folder of the same name";
    DIRECTORY_NAME_CONFLICTS_WITH_FILE_NAME = "DirectoryNameConflictsWithFileNameException",
        directory_name_conflicts_with_file_name(folder: &str) =>
            "The folder {folder} conflicts with a file of the same name";
    NO_CHANGE = "NoChangeException",
        no_change() =>
            "The commit cannot be created because no changes will be made to the repository as a result of this commit. A commit must contain at least one change.";
    // PutFile's refusal of an unchanged file has always said what NoChangeException says.
    SAME_FILE_CONTENT = "SameFileContentException",
        same_file_content() =>
            "The commit cannot be created because no changes will be made to the repository as a result of this commit. A commit must contain at least one change.";

    // Comments and reactions.
    COMMENT_CONTENT_REQUIRED = "CommentContentRequiredException",
        comment_content_required() => "The comment content is required, but was not specified.";
    COMMENT_CONTENT_SIZE_LIMIT_EXCEEDED = "CommentContentSizeLimitExceededException",
        comment_content_size_limit_exceeded(max: usize) =>
            "The comment is too large. Comments are limited to {max} characters.";
    COMMENT_ID_REQUIRED = "CommentIdRequiredException",
        comment_id_required() => "The comment ID is required, but was not specified.";
    COMMENT_DOES_NOT_EXIST = "CommentDoesNotExistException",
        comment_does_not_exist(id: &str) => "No comment exists with the provided ID {id}.";
    COMMENT_DELETED = "CommentDeletedException",
        comment_deleted() =>
            "This comment has already been deleted. You cannot edit or delete a deleted comment.";
    COMMENT_NOT_CREATED_BY_CALLER = "CommentNotCreatedByCallerException",
        comment_not_created_by_caller() =>
            "You cannot modify or delete this comment. Only comment authors can modify or delete their comments.";
    BEFORE_COMMIT_ID_AND_AFTER_COMMIT_ID_ARE_SAME = "BeforeCommitIdAndAfterCommitIdAreSameException",
        before_commit_id_and_after_commit_id_are_same() =>
            "The before commit ID and the after commit ID are the same, which is not valid. The before commit ID and the after commit ID must be different commit IDs.";
    INVALID_RELATIVE_FILE_VERSION_ENUM = "InvalidRelativeFileVersionEnumException",
        invalid_relative_file_version_enum() =>
            "Either the enum is not in a valid format, or the specified file version enum is not valid in respect to the current file version.";
    INVALID_FILE_POSITION = "InvalidFilePositionException",
        invalid_file_position() =>
            "The position is not valid. Make sure that the line number exists in the version of the file you want to comment on.";
    INVALID_CLIENT_REQUEST_TOKEN = "InvalidClientRequestTokenException",
        invalid_client_request_token() => "The client request token is not valid.";
    IDEMPOTENCY_PARAMETER_MISMATCH = "IdempotencyParameterMismatchException",
        idempotency_parameter_mismatch() =>
            "The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.";
    REACTION_VALUE_REQUIRED = "ReactionValueRequiredException",
        reaction_value_required() => "A reaction value is required.";
    INVALID_REACTION_VALUE = "InvalidReactionValueException",
        invalid_reaction_value(value: &str) =>
            "The reaction value {value} is not valid. For more information, see the CodeCommit User Guide.";
    INVALID_REACTION_USER_ARN = "InvalidReactionUserArnException",
        invalid_reaction_user_arn(arn: &str) =>
            "The Amazon Resource Name (ARN) of the user or identity {arn} is not valid.";

    // Pull requests.
    TITLE_REQUIRED = "TitleRequiredException",
        title_required() => "A pull request title is required, but was not specified.";
    INVALID_TITLE = "InvalidTitleException",
        invalid_title() =>
            "The title of the pull request is not valid. Pull request titles cannot exceed 150 characters.";
    INVALID_DESCRIPTION = "InvalidDescriptionException",
        invalid_description() =>
            "The pull request description is not valid. Descriptions cannot be more than 10,240 characters.";
    TARGETS_REQUIRED = "TargetsRequiredException",
        targets_required() => "An array of target objects is required, but was not specified.";
    MULTIPLE_REPOSITORIES_IN_PULL_REQUEST = "MultipleRepositoriesInPullRequestException",
        multiple_repositories_in_pull_request() =>
            "You cannot include more than one repository in a pull request. Make sure you have specified only one repository name in your request, and then try again.";
    REFERENCE_NAME_REQUIRED = "ReferenceNameRequiredException",
        reference_name_required() => "A reference name is required, but none was provided.";
    REFERENCE_DOES_NOT_EXIST = "ReferenceDoesNotExistException",
        reference_does_not_exist(name: &str) => "The specified reference {name} does not exist.";
    REFERENCE_TYPE_NOT_SUPPORTED = "ReferenceTypeNotSupportedException",
        reference_type_not_supported(name: &str) =>
            "The specified reference {name} is not a supported type. Only branches are supported.";
    SOURCE_AND_DESTINATION_ARE_SAME = "SourceAndDestinationAreSameException",
        source_and_destination_are_same() =>
            "The source branch and destination branch for the pull request are the same. You must specify different branches for the source and destination.";
    MAXIMUM_OPEN_PULL_REQUESTS_EXCEEDED = "MaximumOpenPullRequestsExceededException",
        maximum_open_pull_requests_exceeded(max: i64) =>
            "You cannot open more than {max} pull requests for a repository.";
    PULL_REQUEST_ID_REQUIRED = "PullRequestIdRequiredException",
        pull_request_id_required() => "A pull request ID is required, but was not specified.";
    INVALID_PULL_REQUEST_ID = "InvalidPullRequestIdException",
        invalid_pull_request_id(id: &str) => "The pull request ID {id} is not valid.";
    PULL_REQUEST_DOES_NOT_EXIST = "PullRequestDoesNotExistException",
        pull_request_does_not_exist(id: &str) => "The pull request {id} does not exist.";
    REPOSITORY_NOT_ASSOCIATED_WITH_PULL_REQUEST = "RepositoryNotAssociatedWithPullRequestException",
        repository_not_associated_with_pull_request(repository: &str, pull_request_id: i64) =>
            "The repository {repository} is not associated with the pull request {pull_request_id}.";
    PULL_REQUEST_STATUS_REQUIRED = "PullRequestStatusRequiredException",
        pull_request_status_required() => "A pull request status is required, but was not specified.";
    INVALID_PULL_REQUEST_STATUS = "InvalidPullRequestStatusException",
        invalid_pull_request_status(status: &str) => "The pull request status {status} is not valid.";
    INVALID_PULL_REQUEST_STATUS_UPDATE = "InvalidPullRequestStatusUpdateException",
        invalid_pull_request_status_update() =>
            "The pull request status update is not valid. The only valid update is from OPEN to CLOSED.";
    PULL_REQUEST_ALREADY_CLOSED = "PullRequestAlreadyClosedException",
        pull_request_already_closed(id: i64) => "The pull request {id} is already closed.";
    TIP_OF_SOURCE_REFERENCE_IS_DIFFERENT = "TipOfSourceReferenceIsDifferentException",
        tip_of_source_reference_is_different() =>
            "The tip of the source branch in the destination repository does not match the tip of the source branch specified in your request. The pull request might have been updated. Make sure that you have the latest changes.";
    INVALID_PULL_REQUEST_EVENT_TYPE = "InvalidPullRequestEventTypeException",
        invalid_pull_request_event_type(kind: &str) =>
            "The pull request event type {kind} is not valid.";
    INVALID_AUTHOR_ARN = "InvalidAuthorArnException",
        invalid_author_arn(arn: &str) => "The Amazon Resource Name (ARN) {arn} is not valid.";
    INVALID_ACTOR_ARN = "InvalidActorArnException",
        invalid_actor_arn(arn: &str) => "The Amazon Resource Name (ARN) {arn} is not valid.";

    // Approval rules, approvals and overrides.
    APPROVAL_RULE_NAME_REQUIRED = "ApprovalRuleNameRequiredException",
        approval_rule_name_required() => "An approval rule name is required, but was not specified.";
    INVALID_APPROVAL_RULE_NAME = "InvalidApprovalRuleNameException",
        invalid_approval_rule_name() => "The name for the approval rule is not valid.";
    APPROVAL_RULE_NAME_ALREADY_EXISTS = "ApprovalRuleNameAlreadyExistsException",
        approval_rule_name_already_exists(name: &str) =>
            "An approval rule with the name {name} already exists on this pull request.";
    APPROVAL_RULE_DOES_NOT_EXIST = "ApprovalRuleDoesNotExistException",
        approval_rule_does_not_exist(name: &str) => "The approval rule {name} does not exist.";
    APPROVAL_RULE_CONTENT_REQUIRED = "ApprovalRuleContentRequiredException",
        approval_rule_content_required() =>
            "The content for the approval rule is required, but was not specified.";
    INVALID_APPROVAL_RULE_CONTENT = "InvalidApprovalRuleContentException",
        invalid_approval_rule_content() =>
            "The content for the approval rule is not valid. It must be valid JSON of at most 3000 characters with Version 2018-11-08 and at least one Statements entry of Type Approvers with NumberOfApprovalsNeeded of 1 or more.";
    INVALID_RULE_CONTENT_SHA256 = "InvalidRuleContentSha256Exception",
        invalid_rule_content_sha256() =>
            "The SHA-256 hash signature for the rule content is not valid.";
    NUMBER_OF_RULES_EXCEEDED = "NumberOfRulesExceededException",
        number_of_rules_exceeded(max: usize) =>
            "The approval rule cannot be added. The pull request has the maximum number of approval rules associated with it ({max}).";
    CANNOT_MODIFY_APPROVAL_RULE_FROM_TEMPLATE = "CannotModifyApprovalRuleFromTemplateException",
        cannot_modify_approval_rule_from_template() =>
            "The approval rule cannot be modified for the pull request because it was created by an approval rule template and applied to the pull request automatically.";
    CANNOT_DELETE_APPROVAL_RULE_FROM_TEMPLATE = "CannotDeleteApprovalRuleFromTemplateException",
        cannot_delete_approval_rule_from_template() =>
            "The approval rule cannot be deleted from the pull request because it was created by an approval rule template and applied to the pull request automatically.";
    MAXIMUM_NUMBER_OF_APPROVALS_EXCEEDED = "MaximumNumberOfApprovalsExceededException",
        maximum_number_of_approvals_exceeded(max: usize) =>
            "The number of approvals required for the approval rule exceeds the maximum number allowed ({max}).";
    PULL_REQUEST_APPROVAL_RULES_NOT_SATISFIED = "PullRequestApprovalRulesNotSatisfiedException",
        pull_request_approval_rules_not_satisfied() =>
            "The pull request cannot be merged because one or more approval rules applied to the pull request have conditions that have not been met.";
    REVISION_ID_REQUIRED = "RevisionIdRequiredException",
        revision_id_required() => "A revision ID is required, but was not specified.";
    INVALID_REVISION_ID = "InvalidRevisionIdException",
        invalid_revision_id(revision: &str) => "The revision ID {revision} is not valid.";
    REVISION_NOT_CURRENT = "RevisionNotCurrentException",
        revision_not_current() =>
            "The revision ID provided in the request does not match the current revision ID. Use GetPullRequest to retrieve the current revision ID.";
    APPROVAL_STATE_REQUIRED = "ApprovalStateRequiredException",
        approval_state_required() => "An approval state is required, but was not specified.";
    INVALID_APPROVAL_STATE = "InvalidApprovalStateException",
        invalid_approval_state(state: &str) =>
            "The state for the approval {state} is not valid. Valid values include APPROVE and REVOKE.";
    PULL_REQUEST_CANNOT_BE_APPROVED_BY_AUTHOR = "PullRequestCannotBeApprovedByAuthorException",
        pull_request_cannot_be_approved_by_author() =>
            "The approval cannot be applied because the user approving the pull request matches the user who created the pull request. You cannot approve a pull request that you created.";
    OVERRIDE_STATUS_REQUIRED = "OverrideStatusRequiredException",
        override_status_required() => "An override status is required, but was not specified.";
    INVALID_OVERRIDE_STATUS = "InvalidOverrideStatusException",
        invalid_override_status(status: &str) =>
            "The override status {status} is not valid. Valid statuses are OVERRIDE and REVOKE.";
    OVERRIDE_ALREADY_SET = "OverrideAlreadySetException",
        override_already_set() => "The override status is already set to the requested value.";

    // Approval rule templates.
    APPROVAL_RULE_TEMPLATE_NAME_REQUIRED = "ApprovalRuleTemplateNameRequiredException",
        approval_rule_template_name_required() =>
            "An approval rule template name is required, but was not specified.";
    INVALID_APPROVAL_RULE_TEMPLATE_NAME = "InvalidApprovalRuleTemplateNameException",
        invalid_approval_rule_template_name() =>
            "The name of the approval rule template is not valid. Template names must be between 1 and 100 valid characters in length.";
    APPROVAL_RULE_TEMPLATE_NAME_ALREADY_EXISTS = "ApprovalRuleTemplateNameAlreadyExistsException",
        approval_rule_template_name_already_exists(name: &str) =>
            "An approval rule template with the name {name} already exists in this AWS Region.";
    APPROVAL_RULE_TEMPLATE_DOES_NOT_EXIST = "ApprovalRuleTemplateDoesNotExistException",
        approval_rule_template_does_not_exist(name: &str) =>
            "The specified approval rule template {name} does not exist.";
    APPROVAL_RULE_TEMPLATE_CONTENT_REQUIRED = "ApprovalRuleTemplateContentRequiredException",
        approval_rule_template_content_required() =>
            "The content for the approval rule template is required, but was not specified.";
    INVALID_APPROVAL_RULE_TEMPLATE_CONTENT = "InvalidApprovalRuleTemplateContentException",
        invalid_approval_rule_template_content() =>
            "The content of the approval rule template is not valid. It must be valid JSON of at most 3000 characters with Version 2018-11-08 and at least one Statements entry of Type Approvers with NumberOfApprovalsNeeded of 1 or more.";
    INVALID_APPROVAL_RULE_TEMPLATE_DESCRIPTION = "InvalidApprovalRuleTemplateDescriptionException",
        invalid_approval_rule_template_description() =>
            "The description for the approval rule template is not valid because it exceeds the maximum characters allowed for a description.";
    NUMBER_OF_RULE_TEMPLATES_EXCEEDED = "NumberOfRuleTemplatesExceededException",
        number_of_rule_templates_exceeded(max: usize) =>
            "The maximum number of approval rule templates ({max}) has been exceeded for this AWS Region.";
    APPROVAL_RULE_TEMPLATE_IN_USE = "ApprovalRuleTemplateInUseException",
        approval_rule_template_in_use() =>
            "The approval rule template is associated with one or more repositories. You cannot delete a template that is associated with a repository. Remove all associations, and then try again.";
    MAXIMUM_RULE_TEMPLATES_ASSOCIATED_WITH_REPOSITORY = "MaximumRuleTemplatesAssociatedWithRepositoryException",
        maximum_rule_templates_associated_with_repository(max: usize) =>
            "The maximum number of approval rule templates for a repository ({max}) has been exceeded.";

    // Merges.
    MERGE_OPTION_REQUIRED = "MergeOptionRequiredException",
        merge_option_required() => "A merge option is required, but was not specified.";
    INVALID_MERGE_OPTION = "InvalidMergeOptionException",
        invalid_merge_option(option: &str) => "The specified merge option {option} is not valid.";
    INVALID_CONFLICT_DETAIL_LEVEL = "InvalidConflictDetailLevelException",
        invalid_conflict_detail_level(level: &str) =>
            "The specified conflict detail level {level} is not valid.";
    INVALID_CONFLICT_RESOLUTION_STRATEGY = "InvalidConflictResolutionStrategyException",
        invalid_conflict_resolution_strategy(strategy: &str) =>
            "The specified conflict resolution strategy {strategy} is not valid.";
    INVALID_MAX_CONFLICT_FILES = "InvalidMaxConflictFilesException",
        invalid_max_conflict_files() =>
            "The specified value for the number of conflict files to return is not valid.";
    INVALID_MAX_MERGE_HUNKS = "InvalidMaxMergeHunksException",
        invalid_max_merge_hunks() =>
            "The specified value for the number of merge hunks to return is not valid.";
    MAXIMUM_CONFLICT_RESOLUTION_ENTRIES_EXCEEDED = "MaximumConflictResolutionEntriesExceededException",
        maximum_conflict_resolution_entries_exceeded() =>
            "The number of allowed conflict resolution entries was exceeded.";
    MULTIPLE_CONFLICT_RESOLUTION_ENTRIES = "MultipleConflictResolutionEntriesException",
        multiple_conflict_resolution_entries(path: &str) =>
            "More than one conflict resolution entry exists for the conflict. A conflict can have only one conflict resolution entry: {path}";
    INVALID_CONFLICT_RESOLUTION = "InvalidConflictResolutionException",
        invalid_conflict_resolution(path: &str) =>
            "The specified conflict resolution list is not valid: {path} has no conflict.";
    REPLACEMENT_TYPE_REQUIRED = "ReplacementTypeRequiredException",
        replacement_type_required() => "A replacement type is required, but was not specified.";
    INVALID_REPLACEMENT_TYPE = "InvalidReplacementTypeException",
        invalid_replacement_type(kind: &str) =>
            "The specified replacement type {kind} is not valid.";
    REPLACEMENT_CONTENT_REQUIRED = "ReplacementContentRequiredException",
        replacement_content_required() =>
            "The replacement content is required, but was not specified.";
    MANUAL_MERGE_REQUIRED = "ManualMergeRequiredException",
        manual_merge_required() =>
            "The pull request cannot be merged automatically into the destination branch. You must manually merge the branches and resolve any conflicts.";
    CONCURRENT_REFERENCE_UPDATE = "ConcurrentReferenceUpdateException",
        concurrent_reference_update() =>
            "The merge cannot be completed because the target branch has been modified. Another user might have modified the target branch while the merge was in progress. Wait a few minutes, and then try again.";

    // Triggers.
    REPOSITORY_TRIGGERS_LIST_REQUIRED = "RepositoryTriggersListRequiredException",
        repository_triggers_list_required() =>
            "The list of triggers for the repository is required, but was not specified.";
    MAXIMUM_REPOSITORY_TRIGGERS_EXCEEDED = "MaximumRepositoryTriggersExceededException",
        maximum_repository_triggers_exceeded(max: usize) =>
            "The number of triggers allowed for the repository was exceeded. A repository can have at most {max} triggers.";
    REPOSITORY_TRIGGER_NAME_REQUIRED = "RepositoryTriggerNameRequiredException",
        repository_trigger_name_required() =>
            "A name for the trigger is required, but was not specified.";
    INVALID_REPOSITORY_TRIGGER_NAME = "InvalidRepositoryTriggerNameException",
        invalid_repository_trigger_name(name: &str, max: usize) =>
            "The trigger name {name} is not valid. Trigger names must be unique within a repository and at most {max} characters.";
    REPOSITORY_TRIGGER_DESTINATION_ARN_REQUIRED = "RepositoryTriggerDestinationArnRequiredException",
        repository_trigger_destination_arn_required() =>
            "A destination ARN for the target service for the trigger is required, but was not specified.";
    INVALID_REPOSITORY_TRIGGER_DESTINATION_ARN = "InvalidRepositoryTriggerDestinationArnException",
        invalid_repository_trigger_destination_arn(arn: &str) =>
            "The Amazon Resource Name (ARN) {arn} for the trigger is not valid for the specified destination. The most common reason for this error is that the ARN does not meet the requirements for the service type.";
    INVALID_REPOSITORY_TRIGGER_REGION = "InvalidRepositoryTriggerRegionException",
        invalid_repository_trigger_region(arn: &str, region: &str) =>
            "The region for the trigger target {arn} does not match the region for the repository ({region}). Triggers must be created in the same region as the target for the trigger.";
    INVALID_REPOSITORY_TRIGGER_CUSTOM_DATA = "InvalidRepositoryTriggerCustomDataException",
        invalid_repository_trigger_custom_data(max: usize) =>
            "The custom data provided for the trigger is not valid. Custom data is limited to {max} characters.";
    REPOSITORY_TRIGGER_BRANCH_NAME_LIST_REQUIRED = "RepositoryTriggerBranchNameListRequiredException",
        repository_trigger_branch_name_list_required() =>
            "At least one branch name or an empty list is required, but was not specified.";
    MAXIMUM_BRANCHES_EXCEEDED = "MaximumBranchesExceededException",
        maximum_branches_exceeded(max: usize) =>
            "The number of branches for the trigger was exceeded. A trigger can name at most {max} branches.";
    INVALID_REPOSITORY_TRIGGER_BRANCH_NAME = "InvalidRepositoryTriggerBranchNameException",
        invalid_repository_trigger_branch_name(branch: &str) =>
            "The branch name {branch} specified for the trigger is not valid.";
    REPOSITORY_TRIGGER_EVENTS_LIST_REQUIRED = "RepositoryTriggerEventsListRequiredException",
        repository_trigger_events_list_required() =>
            "At least one event for the trigger is required, but was not specified.";
    INVALID_REPOSITORY_TRIGGER_EVENTS = "InvalidRepositoryTriggerEventsException",
        invalid_repository_trigger_events() =>
            "One or more events specified for the trigger is not valid. Valid events are all, updateReference, createReference and deleteReference; all cannot be combined with other events.";
}
