# roster admin center: English.
product-name = Admin center
language-en = English
language-nl = Nederlands
sign-out = Sign out
nav-label = Navigation
nav-home = Home
nav-users = Active users
nav-audit = Audit log
nav-sign-ins = Sign-in log

sign-in-title = Sign in
sign-in-intro = Sign in with your administrator account.
sign-in-username = User name
sign-in-password = Password
sign-in-submit = Sign in
sign-in-invalid = Your account or password is incorrect.
sign-in-blocked = Your account has been blocked from signing in. Ask another administrator to unblock it.
sign-in-locked = Your account is temporarily locked to prevent unauthorized use. Try again later.
sign-in-busy = Too many sign-ins are being checked right now. Wait a moment and try again.
sign-in-not-an-administrator = This account does not have an administrator role, so it cannot use the admin center.
sign-in-unavailable = Signing in is not possible right now. Try again in a moment.

error-title = Something went wrong
error-forbidden-title = Access denied
error-not-found-title = Not found
error-forbidden = Your administrator role does not allow this.
error-internal = The server could not complete the request. Quote request { $request } to your administrator.
error-no-such-user = This user does not exist, or has been deleted.
error-no-such-page = This page does not exist.
error-gone = What this asked for no longer exists: it may have been deleted meanwhile. Reload the page.
error-busy = The directory is busy with other changes to the same objects: try again in a moment.
error-throttled = Too many requests are waiting for the server: try again in a moment.
error-back-home = Back to the home page
api-conflict = { $property ->
    [userPrincipalName] Another user already has this user name.
    [mailNickname] Another object already has this alias.
    [mail] Another object already has this email address.
   *[other] Another object already has the same { $name }.
}
api-no-usage-location = Set the user's usage location first: which licenses can be used depends on it.
api-out-of-seats = { $sku } has no licenses left: add seats on the Licenses page, or free some.
api-invalid = { $property } is not valid: { $problem }.
api-weak-password = The password is too weak: use at least 8 characters, with three of upper case, lower case, digits and symbols.
api-unknown-domain = { $domain } is not a domain of this organisation: use one of its domains.
api-license-not-held = This license is not assigned here, so there is nothing to remove.
api-not-enabled = { $sku } cannot be assigned while its subscription is { $status }.
api-not-in-catalog = { $sku } is not a product in Microsoft's catalog: give a product's part number, such as SPE_E3.
api-negative-seats = The number of licenses cannot be negative.
api-subscription-exists = The tenant already has { $sku }: change its number of licenses instead.
api-below-assigned = { $count ->
    [one] { $sku } has { $assigned } license assigned: remove licenses before lowering the number below that.
   *[other] { $sku } has { $assigned } licenses assigned: remove licenses before lowering the number below that.
}
api-already-member = Already a member of this group.
api-already-owner = Already an owner of this group.
api-dynamic-members = The members of a dynamic group follow its rule: they cannot be added or removed by hand.
api-own-group = A group cannot be a member of itself.
api-only-users-own = Only users can own a group.
api-own-manager = A user cannot be their own manager.
api-manager-loop = That manager reports, directly or not, to this user: the chain of managers would go round in a circle.
api-last-global-administrator = This is the last Global Administrator: give the role to someone else first.
api-form-expired = The form has expired: reload the page and try again.
problem-not-guid = “{ $text }” is not a GUID
problem-domain = the domain “{ $text }” { $fault }
problem-domain-fault = { $fault ->
    [length] must have 1 to 253 characters
    [labels] needs at least two parts, as in contoso.example
    [label] has an empty part or one longer than 63 characters
    [characters] may contain only letters, digits, hyphens and dots
   *[hyphen] has a part that starts or ends with a hyphen
}
problem-no-at = “{ $text }” has no @: write it as alias@domain
problem-alias-length = the part before @ must have 1 to { $max } characters
problem-too-long = it is longer than { $max } characters
problem-character-before-at = the character “{ $character }” is not allowed before @
problem-alias-dots = the part before @ cannot start or end with a dot, or have two dots in a row
problem-upn-domain = the domain { $fault }
problem-length = it must have 1 to { $max } characters
problem-character = the character “{ $character }” is not allowed
problem-not-country = “{ $text }” is not a two-letter country code such as NL or US
problem-not-one-of = “{ $text }” is not one of { $choices }
problem-out-of-range = it must be from { $min } to { $max }
problem-not-redirect-uri = “{ $text }” is not a redirect URI this platform accepts: use an absolute https address without a fragment or wildcard (http only for localhost; a desktop or mobile app may use a scheme of its own)
problem-duplicate = “{ $text }” is given twice: each must be unique
problem-still-enabled = “{ $text }” is still enabled: disable it before removing it
problem-too-many = there may be at most { $max }
problem-not-mail = “{ $text }” is not a mail address
problem-not-date-time = “{ $text }” is not a date and time such as 2024-01-31T00:00:00Z
problem-expected = { $kind ->
    [text] it must be text
    [list] it must be a list of texts
    [date] it must be a date and time
   *[bool] it must be true or false
}
license-mutually-exclusive = The service plans { $first } and { $second } cannot be assigned to the same user: switch one of them off.
license-dependency = The service plan { $plan } works only with one of { $requires } switched on.
license-prohibited-location = The service plan { $plan } is not available in usage location { $location }: switch it off, or change the usage location.
license-unknown-sku = { $sku } is not a product of this tenant.
license-unknown-plan = The service plan { $plan } is not part of this license.

home-title = Home
home-users-total = Active users
home-users-unlicensed = Users without licenses
home-users-blocked = Blocked users
home-users-guests = Guests
home-seats = Seats per subscription
home-seats-used = { $used } of { $total } assigned
home-no-subscriptions = The organisation has no subscriptions yet.
home-job-progress = { $done } of { $total } rows
home-recent = Recent changes
home-recent-all = View the audit log
home-no-changes = Nothing has changed yet.

users-title = Active users
users-bad-link = This link to the list of users is not valid (it may have been edited, or be from an older version): open Active users again.
users-search = Search by name, user name or email
users-found = { $count ->
    [one] { $shown } user
   *[other] { $shown } users
}
users-any = All
users-apply = Apply
users-clear = Clear filters
users-choose-columns = Choose columns
users-select-all = Select all users on this page
users-unlicensed = Unlicensed
users-license-through = { $license } (through { $group })
users-status-enabled = Sign-in allowed
users-status-blocked = Sign-in blocked
users-type = User type
users-type-member = Member
users-type-guest = Guest
users-source = Source
users-source-cloud = Cloud
users-source-synced = Synced from on-premises
users-col-name = Display name
users-col-upn = User name
users-col-licenses = Licenses
users-col-department = Department
users-col-job-title = Job title
users-col-country = Country or region
users-col-city = City
users-col-office = Office
users-col-mobile = Mobile phone
users-col-usage-location = Usage location
users-col-status = Sign-in status
users-col-created = Created
users-first-page = First page
users-next-page = Next page
users-with-selected = With the selected users:
users-group = Group
users-run-action = Run

details-account = Account
details-licenses = Licenses and apps
details-groups = Groups
details-contact = Contact information
details-change-upn = User name
details-change-manager = Manager's user name
details-manager-placeholder = Empty for no manager
details-save = Save
details-apps-switch = Apps of this license (switch off what the user should not have)
details-no-such-manager = No active user has this user name.
details-given-name = First name
details-surname = Last name
details-manager = Manager
details-none = None
details-product = Product
details-assigned = Assigned
details-state = State
details-apps = Apps
details-apps-on = { $on } of { $total } apps on
details-direct = Directly
details-inherited = Through { $group }
details-state-active = Active
details-state-error = Error
details-no-groups = Not a member of any group.
details-mail = Email
details-other-mails = Alternate email addresses
details-business-phones = Office phone
details-street = Street address
details-postal-code = ZIP or postal code

action-block = Block sign-in
action-unblock = Unblock sign-in
action-reset-password = Reset password
action-revoke-sessions = Sign out of all sessions
action-delete = Delete user
action-assign-license = Assign license
action-remove-license = Remove license
action-add-to-group = Add to group
action-summary = { $done } done, { $failed } failed.
action-passwords-once = The new passwords are shown only once. Hand them out now: each must be changed at the next sign-in.
action-user = User
action-outcome = Outcome
action-password = New password
action-done = Done
action-back = Back to active users
action-none-selected = Select at least one user first.
action-too-many = Select at most 1,000 users at a time, or use a bulk job.
action-not-yourself = You cannot do this to your own account.
action-choose-license = Choose a license.
action-choose-group = Choose a group.
action-unknown = This action is not known.

audit-title = Audit log
audit-when = Date (UTC)
audit-actor = Actor
audit-operation = Activity
audit-all-activities = All activities
audit-target = Target
audit-change = Change
audit-from = From
audit-to = To
audit-show-change = Before and after
audit-before = Before
audit-after = After
audit-shown = { $count ->
    [one] { $shown } record
   *[other] { $shown } records
}
audit-utc = Times are in UTC.
audit-bad-date = { $field }: enter a date as YYYY-MM-DD.

nav-deleted = Deleted users
nav-licenses = Licenses
deleted-title = Deleted users
deleted-intro = Deleted users can be restored with their licenses and groups for { $days } days; after that they are deleted for good.
deleted-when = Deleted
deleted-restore = Restore
deleted-purge = Delete permanently
deleted-back = Back to deleted users

licenses-title = Licenses
licenses-bought = Purchased
licenses-assigned = Assigned
licenses-available = Available
licenses-in-error = In error
licenses-status = Status
licenses-groups = Assigned through groups
licenses-plans = { $count ->
    [one] { $shown } service plan
   *[other] { $shown } service plans
}
licenses-seats = Seats
licenses-change-seats = Change seats
licenses-assign-to = Assign to
licenses-assign-user = a user (user name)
licenses-assign-group = a group (its name)
licenses-assign-name = User name or group name
licenses-no-such-group = No group of this organisation has exactly this name.
licenses-ambiguous-group = More than one group has this name: assign the license from the group's own page.
licenses-buy = Add a subscription
licenses-part-number = Product (SKU part number)
licenses-buy-submit = Add subscription
licenses-seats-invalid = Enter a whole number of seats: at least 1 to buy, at least 0 to change.
licenses-status-enabled = Active
licenses-status-suspended = Suspended
licenses-status-warning = Expiring (grace period)

nav-roles = Roles
roles-title = Roles
roles-assign = Assign a role
roles-user = User name
roles-user-placeholder = name@domain
roles-role = Role
roles-assign-submit = Assign
roles-remove = Remove
roles-nobody = Nobody holds this role.
roles-unknown-role = Choose one of the roles in the list.
roles-unknown-user = No user of this organisation has this user name.
roles-choose = Choose a role
roles-what-each-may-do = What each role may do
role-description-global-administrator = Everything, including roles, domains, subscriptions and the organisation's settings.
role-description-user-administrator = Creates, changes, deletes and restores users, manages groups and contacts and assigns licenses; resets passwords and blocks sign-in of users without a role and of User, Helpdesk and Groups Administrators.
role-description-helpdesk-administrator = Resets passwords, blocks sign-in and ends the sessions of users without a role and of other Helpdesk Administrators.
role-description-license-administrator = Assigns and removes licenses, sets usage locations and manages subscriptions.
role-description-groups-administrator = Creates, changes and deletes groups and manages their members.
role-description-global-reader = Reads everything, the audit log included, and changes nothing.
role-global-administrator = Global Administrator
role-user-administrator = User Administrator
role-helpdesk-administrator = Helpdesk Administrator
role-license-administrator = License Administrator
role-groups-administrator = Groups Administrator
role-global-reader = Global Reader

new-user-title = Add a user
new-user-step-basics = Basics
new-user-step-licenses = Product licenses
new-user-step-optional = Optional settings
new-user-step-finish = Finish
new-user-alias = User name
new-user-domain-label = Domain
new-user-domain = Choose one of the organisation's domains.
new-user-state = State or province
new-user-password = Password
new-user-password-generate = Automatically create a password
new-user-password-own = Let me create the password
new-user-force-change = Require this user to change their password when they first sign in
new-user-licenses = Assign product licenses
new-user-no-licenses = Create the user without product licenses.
new-user-available = { $available } of { $total } available
new-user-required = This field is required.
new-user-usage-location = Choose the country or region where the user will use the licenses.
new-user-next = Next
new-user-back = Back
new-user-finish = Finish adding
new-user-done-title = User added
new-user-created = { $user } has been added.
new-user-password-once = The password is shown only this once: hand it to the user now. It must be changed at the first sign-in.
new-user-another = Add another user

nav-groups = Groups
groups-title = Groups
groups-add = Add a group
groups-search = Search groups by name
groups-found = { $count ->
    [one] { $shown } group
   *[other] { $shown } groups
}
groups-name = Name
groups-kind = Group type
groups-kind-m365 = Microsoft 365
groups-kind-security = Security
groups-kind-mail-security = Mail-enabled security
groups-kind-distribution = Distribution
groups-membership = Membership type
groups-assigned = Assigned
groups-dynamic = Dynamic
groups-rule-needs-dynamic = A rule decides the members of a dynamic group only: choose “Dynamic” as the membership type, or clear the rule.
groups-mail = Email
groups-description = Description
groups-nickname = Email alias (mail nickname)
groups-rule = Dynamic membership rule
groups-rule-hint = For example: (user.department -eq "Sales") -and (user.country -eq "Netherlands")
groups-rule-valid = The rule is valid.
groups-rule-invalid = The rule is not valid at position { $position }: { $detail }
rule-found-end = the end of the rule
rule-found-list = a list
rule-too-long = a rule may have at most { $max } characters, this one has { $length }
rule-dash-alone = expected an operator such as -eq or -and after '-'
rule-curly-quote = unexpected character '{ $character }': write strings in straight double quotes (")
rule-character = unexpected character '{ $character }'
rule-unterminated = unterminated string: the { $quote } here has no closing { $quote }
rule-too-deep = the rule nests parentheses, -not and -any more than { $max } deep
rule-unmatched-close = found ')' without a '(' that it closes
rule-expected-direct-reports = expected Direct Reports for "<manager's object id>", found { $found }
rule-manager-id = expected the manager's object id (a GUID), found "{ $text }"
rule-direct-reports-combined = a Direct Reports rule cannot be combined with other conditions
rule-direct-reports-combined-found = a Direct Reports rule cannot be combined with other conditions, found { $found }
rule-between-conditions = expected -and or -or between two conditions, found { $found }
rule-expected-end = expected -and, -or or the end of the rule, found { $found }
rule-expected-close = expected -and, -or or ')' to close the '(' at position { $open }, found { $found }
rule-expected-condition = expected a condition such as user.department -eq "Sales", found { $found }
rule-not-before-operator = expected an operator such as -eq after { $name }, found { $found }: -not negates a whole condition, as in -not ({ $name } -eq null); to compare, write { $name } -ne …
rule-unknown-operator-dates = unknown operator -{ $word } after { $name }: dates are compared with -ge and -le
rule-unknown-operator = unknown operator -{ $word } after { $name }: the operators are { $operators }
rule-expected-operator = expected an operator such as -eq after { $name }, found { $found }
rule-expected-item = expected _ (an item of { $list }) inside -any or -all, found { $found }
rule-unknown-item-property = unknown property { $name }: an item of { $list } has { $fields }
rule-expected-plan-field = expected { $fields } (an item of { $list }) inside -any or -all, found { $found }
rule-item-alone = { $name } names an item of a -any or -all condition, as in user.proxyAddresses -any (_ -startsWith "smtp:"), and cannot stand alone
rule-now-alone = system.now is a value: compare a date with it, as in user.employeeHireDate -ge system.now
rule-device = { $name } is not supported: roster's dynamic groups contain users, not devices
rule-custom-extension = { $name } is not supported: roster has no custom extension properties; user.extensionAttribute1 to user.extensionAttribute15 are
rule-unknown-property = unknown property { $name }
rule-unknown-property-suggestion = unknown property { $name } (did you mean user.{ $known }?)
rule-not-evaluated = { $name } is not supported: { $why ->
    [member-of] roster does not evaluate rules on membership of other groups; combine those groups' own conditions instead
   *[sid] roster does not keep on-premises security identifiers
}
rule-misfit = operator { $op } does not apply to { $name }, which is { $kind ->
    [text] text
    [list] a list of text
    [date] a date
    [bool] true or false
   *[plans] a list of assigned plans
}: { $advice }
rule-advice = { $advice ->
    [many] -any and -all apply to properties with many values, such as user.proxyAddresses, user.otherMails and user.assignedPlans
    [dates] -ge and -le compare dates, such as user.employeeHireDate
    [eq-ne] compare it with -eq or -ne
   *[eq-ne-ge-le] compare it with -eq, -ne, -ge or -le
}
rule-advice-items = test its items with -any or -all, as in { $name } -any (assignedPlan.capabilityStatus -eq "Enabled")
rule-expected-after = expected { $expected ->
    [bool] true or false
    [date] a date such as 2024-01-31T00:00:00Z
    [now] a date such as 2024-01-31T00:00:00Z or system.now
    [text] a string such as "Sales"
    [in-list] a string in the list
   *[list] a list such as ["a","b"]
} after { $name } { $op }, found { $found }
rule-note-null = (null can only be compared with -eq or -ne)
rule-note-quote = (write text in double quotes)
rule-bare-word = expected a value such as "Sales", null, true or false, found { $word }: write text in double quotes
rule-expected-close-paren = expected ')' to close the '(' at position { $open }, found { $found }
rule-expected-value = expected a value such as "Sales", null, true or false, found { $found }
rule-expected-in-list = expected a string in the list, found { $found }
rule-expected-list-end = expected ',' or ']' to close the list that opens at position { $open }, found { $found }
rule-expected-duration = expected a duration such as p30d or pt12h after { $sign }, found { $found }
rule-duration-overflow = the durations add up to more than can be counted
rule-regex = invalid regular expression "{ $pattern }": { $problem }
rule-regex-unclosed-group = a ( is not closed
rule-regex-unopened-group = a ) closes nothing
rule-regex-unclosed-class = a [ is not closed
rule-regex-nothing-to-repeat = a repetition (*, + or ?) follows nothing it could repeat
rule-regex-bad-repetition = a repetition count must be closed and hold whole numbers, the first no more than the second
rule-regex-bad-escape = a \ is followed by nothing or by a letter that means nothing
rule-regex-backward-range = a range in [...] goes backwards
rule-regex-backreference = backreferences (\1) are not supported
rule-regex-look-around = look-ahead and look-behind are not supported
groups-create = Create group
groups-preview = Preview members
groups-preview-changes = Preview changes
groups-save-rule = Save rule
groups-preview-matched = { $count ->
    [one] The rule takes in { $shown } user.
   *[other] The rule takes in { $shown } users.
}
groups-preview-joining = Would join: { $shown }.
groups-preview-leaving = Would leave: { $shown }.
groups-preview-licenses = { $sku }: { $granted } would get it, { $removed } would lose it; { $available } seats available.
groups-processing = Rule processing
groups-members = Members
groups-owners = Owners
groups-add-owner = Add owner
groups-license-processing = License processing
groups-license-state = { $state ->
    [QueuedForProcessing] waiting to be processed
    [ProcessingInProgress] in progress
   *[ProcessingComplete] complete
}
groups-license-errors = Members whose licenses from this group did not take
groups-license-errors-count = { $count ->
    [one] { $total } member, { $shown } shown
   *[other] { $total } members, { $shown } shown
}
groups-license-errors-next = The next members
groups-add-member = Add member
groups-more-members = The first { $shown } members, by name.
groups-no-such-group = This group does not exist, or has been deleted.

import-title = Add multiple users
import-intro = Upload a CSV file: the Microsoft 365 admin center's "Add multiple users" template, Entra's "Bulk create" template, or a file roster exported. You will see what each row would do before anything is written.
import-file = CSV file
import-no-file = Choose a CSV file to upload.
import-not-read = The upload could not be read: choose the file and send it again.
import-too-large = The file is larger than { $size } MB, the most this page takes. Split it, or import it with the roster CLI (roster import users), which takes files of any size.
import-passwords-generate = Create a password for every user
import-passwords-file = Use the passwords in the file (a password is created where a row has none)
import-license = Product license for every user
import-group = Add every user to the group
import-check = Check the file
import-check-title = Check the file
import-summary = Read as { $template }: { $count ->
    [one] { $would } user would be added
   *[other] { $would } users would be added
}, { $failing-count ->
    [one] { $failing } row would not.
   *[other] { $failing } rows would not.
}
import-start = { $count ->
    [one] Add { $shown } user
   *[other] Add { $shown } users
}
import-another = Upload another file
import-row = Row
import-would-create = Would be added
import-unchanged = Already there: nothing to do
import-column = Column { $column }:
import-job-title = Adding users
import-running = Running:
import-finished = Finished:
import-failed-rows = { $failed } failed
import-kind = Kind
import-download = Download the results
import-passwords-once = The results file holds the new passwords; they are kept for a day and only you can download them.
import-no-job = This job does not exist.
job-kind = { $kind ->
    [createUsers] Add users
    [updateUsers] Update users
    [resetPasswords] Reset passwords
    [blockUsers] Block sign-in
    [unblockUsers] Unblock sign-in
    [revokeSessions] Sign out of all sessions
    [deleteUsers] Delete users
    [restoreUsers] Restore users
    [purgeUsers] Delete users permanently
    [setManager] Set managers
    [changeDomain] Change domains
    [assignLicenses] Assign licenses
    [removeLicenses] Remove licenses
    [addToGroups] Add to groups
   *[removeFromGroups] Remove from groups
}
groups-processing-on = On: members follow the rule
groups-processing-paused = Paused: members stay as they are
groups-pause = Pause
groups-resume = Resume

license-error-None = No error
license-error-CountViolation = not enough licenses
license-error-MutuallyExclusiveViolation = conflicts with another license the user has
license-error-DependencyViolation = needs a license the user does not have
license-error-ProhibitedInUsageLocationViolation = not available in the user's usage location, or the usage location is missing
license-error-UniquenessViolation = the user already has this license another way
license-error-Other = another error

change-password-title = Update your password
change-password-intro = You need to update your password because this is the first time you are signing in, or because your password was reset.
change-password-current = Current password
change-password-new = New password
change-password-confirm = Confirm password
change-password-submit = Update password and sign in
change-password-mismatch = The new passwords do not match.
change-password-same = The new password must differ from the current one.

activity-add-app-role-assignment-grant-to-user = Add app role assignment grant to user
activity-add-app-role-assignment-to-group = Add app role assignment to group
activity-remove-app-role-assignment-from-group = Remove app role assignment from group
activity-remove-app-role-assignment-from-user = Remove app role assignment from user
activity-update-service-principal = Update service principal
activity-add-application = Add application
activity-add-contact = Add contact
activity-add-domain = Add domain
activity-add-group = Add group
activity-add-member-to-group = Add member to group
activity-add-member-to-role = Add member to role
activity-add-members-to-group = Add members to group
activity-add-owner-to-group = Add owner to group
activity-add-subscription = Add subscription
activity-add-user = Add user
activity-change-group-license = Change group license
activity-change-user-license = Change user license
activity-create-tenant = Create tenant
activity-delete-contact = Delete contact
activity-delete-group = Delete group
activity-delete-user = Delete user
activity-finish-group-processing = Finish group processing
activity-hard-delete-group = Hard delete group
activity-hard-delete-user = Hard delete user
activity-remove-manager = Remove manager
activity-remove-member-from-group = Remove member from group
activity-remove-member-from-role = Remove member from role
activity-remove-members-from-group = Remove members from group
activity-remove-owner-from-group = Remove owner from group
activity-reset-user-password = Reset user password
activity-restore-group = Restore group
activity-restore-user = Restore user
activity-revoke-sign-in-sessions = Revoke sign-in sessions
activity-set-manager = Set manager
activity-start-group-processing = Start group processing
activity-submit-bulk-job = Submit bulk job
activity-update-contact = Update contact
activity-update-group = Update group
activity-update-subscription = Update subscription
activity-set-company-information = Set company information
activity-update-tenant-settings = Update tenant settings
activity-update-user = Update user

-csv-save-as = save it as CSV UTF-8 (in Excel, "CSV UTF-8 (Comma delimited)")
csv-template = { $template ->
    [admin] the Microsoft 365 admin center template
    [entra] the Entra bulk-create template
   *[roster] roster's export format
}
csv-at-row-column = row { $row }, column '{ $column }': { $problem }
csv-at-row = row { $row }: { $problem }
csv-at-column = column '{ $column }': { $problem }
csv-utf16 = the file is UTF-16: { -csv-save-as }
csv-nul-bytes = the file has NUL bytes, as UTF-16 has: { -csv-save-as }
csv-nul = a NUL character (U+0000), which no value can hold
csv-not-utf8 = the file is not UTF-8: byte { $byte } at byte offset { $offset } is not valid UTF-8 (Windows-1252, Excel's plain "CSV", looks like this); { -csv-save-as }
csv-empty = the file is empty
csv-entra-version = the Entra template's version '{ $version }' is not supported: roster reads version:v1.0
csv-no-header-after-version = the file has the Entra template's version line but no header after it
csv-not-csv = the file cannot be read as CSV: { $error }
csv-unknown-header-entra = the file starts with the Entra template's version line, but its header has none of the template's columns, such as 'User name [userPrincipalName] Required'; found { $found }
csv-unknown-header = the header is not one roster reads; found { $found }; expected { $admin } ({ $admin-columns }, …), { $entra } (a line version:v1.0, then headers such as 'User name [userPrincipalName] Required') or { $roster } ({ $roster-columns }, …)
csv-one-column = ; the header has a single column: roster reads files separated by commas, semicolons or tabs
csv-no-edit-columns = the header names none of the columns that bulk { $operation } reads; found { $found }; expected { $expected }
csv-expected-columns = a user column ({ $users } or { $ids })
csv-expected-columns-and = a user column ({ $users } or { $ids }) and { $columns }
csv-header-template = the header looks like { $template }, but { $problems }
csv-header-edit = the header does not fit: { $problems }
csv-same-field = columns { $first } ('{ $first-name }') and { $second } ('{ $second-name }') both hold { $holds }
csv-holds-user = the user
csv-holds-user-id = the user's id
csv-missing = { $count ->
    [one] the required column { $names } is missing
   *[other] the required columns { $names } are missing
}
csv-missing-or-flag = the column '{ $column }' is missing: give it, or { $flag } for every row
csv-no-user-column = no column names the user: add one named { $users } (a user principal name or id) or { $ids } (an id)
csv-nothing-to-change = the file has no column to change; bulk { $operation } changes { $columns }
csv-not-in-template = { $count ->
    [one] the column { $names } is not in { $template } (its columns are { $columns })
   *[other] the columns { $names } are not in { $template } (its columns are { $columns })
}
csv-not-read = { $count ->
    [one] the column { $names } is not read by bulk { $operation } (it reads { $expected })
   *[other] the columns { $names } are not read by bulk { $operation } (it reads { $expected })
}
csv-field-count = the row has { $found } fields but the header has { $expected }
csv-open-quote = (the record runs from line { $first } to line { $last }: is a quote left open?)
csv-required = a value is required
csv-required-or-flag = a value is required (or give { $flag } for every row)
csv-no-user = a value is required: the row names no user
csv-too-long = the value has { $length } characters; the limit is { $limit }
csv-line-break = the value has a line break, which only an address may have
csv-too-many-values = { $count } values separated by ';'; the limit is { $limit }
csv-value-without-header = a value in a column without a header: give the column a header or remove the value
csv-ignored-value = a value in a column that is ignored: give the column a header bulk reads, or remove the value
csv-not-phone-character = '{ $text }' is not a phone number: '{ $character }' is not allowed (use digits, spaces, + - ( ) . / and x or ext before an extension)
csv-not-phone-digits = '{ $text }' is not a phone number: it has no digits
csv-not-email = '{ $text }' is not an email address: { $fault ->
    [no-at] it has no '@'
    [local] the part before '@' is empty or has a space or one of @ , ; < > ( ) [ ] \ "
   *[domain] the part after '@' is not a domain name
}
csv-not-yes-no = '{ $text }' is neither Yes nor No
csv-not-true-false = '{ $text }' is neither true nor false
csv-not-user-or-id = neither a user principal name nor an object id: { $problem }
csv-id-in-name-column = '{ $text }' is an id, but the column '{ $column }' names the user by id: this column holds a user principal name
csv-duplicate-user = '{ $text }' is also on row { $row }: each user may appear only once in a file
csv-duplicate-id = the id { $id } is also on row { $row }: each user may appear only once in a file
csv-not-clearable = { $clear } cannot empty this column
country-choose = Choose a country or region
import-location-from-file = None: only as each row says
import-usage-location = Usage location for rows that give none

## Properties by their Graph names (forms, refusals, the audit log)
property-displayName = Display name
property-userPrincipalName = User name
property-mailNickname = Mail alias
property-accountEnabled = Sign-in allowed
property-usageLocation = Usage location
property-userType = User type
property-manager = Manager
property-password = Password
property-givenName = First name
property-surname = Last name
property-mail = Email
property-otherMails = Alternate email addresses
property-proxyAddresses = Email aliases
property-jobTitle = Job title
property-department = Department
property-companyName = Company
property-employeeId = Employee ID
property-employeeHireDate = Hire date
property-officeLocation = Office
property-businessPhones = Office phone
property-mobilePhone = Mobile phone
property-faxNumber = Fax number
property-streetAddress = Street address
property-city = City
property-state = State or province
property-postalCode = ZIP or postal code
property-country = Country or region
property-preferredLanguage = Preferred language
property-passwordPolicies = Password policies
property-onPremisesSyncEnabled = Synchronised from on-premises
property-onPremisesImmutableId = On-premises immutable ID
property-onPremisesDistinguishedName = On-premises distinguished name
property-onPremisesSamAccountName = On-premises account name
property-onPremisesLastSyncDateTime = Last synchronised
property-perUserMfaState = Multifactor authentication
property-mfaDefaultMethod = Default verification method
property-mfaAllowedMethods = Allowed verification methods
property-authenticationPhone = Authentication phone
property-authenticationAlternatePhone = Alternate authentication phone
property-authenticationEmail = Authentication email
property-description = Description
property-mailEnabled = Mail-enabled
property-securityEnabled = Security-enabled
property-membershipRule = Membership rule
property-membershipRuleProcessingState = Rule processing
property-groupTypes = Group type
property-visibility = Privacy
property-assignedLicenses = Licenses
property-members = Members
property-owners = Owners
property-extensionAttribute1 = Extension attribute 1
property-extensionAttribute2 = Extension attribute 2
property-extensionAttribute3 = Extension attribute 3
property-extensionAttribute4 = Extension attribute 4
property-extensionAttribute5 = Extension attribute 5
property-extensionAttribute6 = Extension attribute 6
property-extensionAttribute7 = Extension attribute 7
property-extensionAttribute8 = Extension attribute 8
property-extensionAttribute9 = Extension attribute 9
property-extensionAttribute10 = Extension attribute 10
property-extensionAttribute11 = Extension attribute 11
property-extensionAttribute12 = Extension attribute 12
property-extensionAttribute13 = Extension attribute 13
property-extensionAttribute14 = Extension attribute 14
property-extensionAttribute15 = Extension attribute 15
details-sections = Sections of the user
details-roles = Roles
details-no-roles = No administrator roles.
details-synced = This user is synchronised from the on-premises directory: change its properties there. Its usage location, licenses and groups are changed here.
details-remove-license = Remove license
details-assign-license = Assign a license
details-choose-license = Choose a product
details-assign = Assign
details-dynamic-member = Member by the group's rule
details-remove-from-group = Remove
details-remove-from-named = Remove from { $group }
details-add-to-group = Add to a group
details-find-group = Start of the group's name
details-find = Find
details-add-to-named = Add to { $group }
details-no-such-group = This group does not exist (any more).
details-unchanged = Nothing changed: the values were already saved.
details-saved = Saved: { $properties }.
details-password-reset = The password has been reset.
details-password-once = The new password is shown only this once: hand it to the user now.
details-password-must-change = The user must change it at the next sign-in.
details-copy = Copy
property-memberOf = Group memberships
property-roles = Roles
delete-confirm-count = { $count ->
    [one] This user will be deleted:
   *[other] These { $users } users will be deleted:
}
delete-confirm-more = and { $count } more
delete-confirm-no-licenses = No licenses are freed.
delete-confirm-licenses = These licenses are freed:
delete-confirm-restore = They can sign in no more at once, and can be restored from Deleted users for 30 days, with their licenses and groups.
delete-confirm-button = Delete
delete-confirm-cancel = Cancel
details-copied = Copied
api-group-has-licenses = This group gives licenses to its members: remove its licenses first, then delete the group.
groups-deleted = The group has been deleted.
groups-any-kind = Any type
groups-any-membership = Assigned or dynamic
groups-more = The first { $shown } groups, by name: search or filter to find others.
groups-find-person = Start of a name or user name
groups-delete = Delete group
groups-delete-title = Delete { $group }?
groups-to-licenses = To the group's licenses
groups-delete-consequences = { $count ->
    [one] Its member loses the membership
   *[other] Its { $members } members lose their membership
}, and its owners their ownership.
groups-processing-pending = Processing: the members are being worked out.
groups-members-pending = The rule's members are being worked out: this list is not complete yet.
groups-properties = Properties
groups-public = Public: anyone in the organisation can join
groups-private = Private: owners decide who joins
groups-add-named-member = Add { $user }
groups-add-named-owner = Make { $user } an owner
nav-contacts = Contacts
contacts-title = Contacts
contacts-add = Add a contact
contacts-search = Search contacts by name or email
contacts-found = { $count ->
    [one] { $shown } contact
   *[other] { $shown } contacts
}
contacts-deleted = The contact has been deleted.
contacts-delete = Delete contact
contacts-delete-consequences = The contact leaves the address book. Contacts are not kept in a recycle bin: this cannot be undone.
contacts-no-such-contact = This contact does not exist, or has been deleted.
nav-jobs = Bulk jobs
jobs-title = Bulk jobs
jobs-none = No bulk jobs yet: imports and changes to many users at once show here.
jobs-newest = { $count ->
    [one] The newest job
   *[other] The { $shown } newest jobs
}
jobs-started = Started
jobs-ended = Ended
jobs-progress = Progress
jobs-outcome = Outcome
jobs-running = Running
jobs-finished = Finished
jobs-finished-failed = Finished, { $failed } failed
jobs-rows = Rows
jobs-all-rows = All rows, in file order
jobs-failed-rows = Failed rows only
jobs-no-rows = No rows here.
jobs-no-failed-rows = No row failed here.
jobs-about = User
jobs-why = Why
jobs-row-succeeded = Done
jobs-row-unchanged = Nothing to do
jobs-row-failed = Failed
jobs-row-pending = Waiting
nav-settings = Settings
settings-title = Organisation settings
settings-read-only = Only a Global Administrator changes these settings.
settings-profile = Organisation profile
settings-name = Organisation name
settings-location-hint = New users get it when none is given: licenses need a usage location.
settings-contact-hint = Who hears about technical matters of the organisation.
settings-sign-in = Sign-in
settings-range = From { $min } to { $max }.
settings-not-a-number = Give a whole number.
property-defaultUsageLocation = Default usage location
property-technicalContact = Technical contact
property-lockoutThreshold = Failed sign-ins before lockout
property-lockoutDurationInSeconds = Lockout duration in seconds
property-sessionLifetimeInSeconds = Admin center session lifetime in seconds
settings-session-minutes = Admin center session lifetime in minutes
property-signInLogRetentionInDays = Days the sign-in log is kept
property-passwordGrantAllowed = Allow signing in with a password at the token endpoint (the password grant)
settings-password-grant-hint = A legacy way to sign in, in which an application asks for the password itself. Turn it off to make every user sign in in the browser or with a device code.
property-deviceCodeFlowAllowed = Allow signing in with a device code (roster login, apps on devices without a browser)
settings-device-code-hint = A code shown on one device is entered on another. Someone who sends a user such a code can get signed in as them if the user enters it: turn it off if no one here uses it.
users-export = Export users
audit-export = Export to CSV
audit-older = Older records
audit-changes = { $count ->
    [one] 1 property changed
   *[other] { $shown } properties changed
}
audit-property = Property
audit-yes = yes
audit-no = no
audit-apps-off = { $product } ({ $count ->
    [one] 1 app off
   *[other] { $shown } apps off
})
audit-password-reset = The password was reset (a password is never recorded).
audit-client-ip = Client IP address
audit-request-id = Request ID
home-attention = Needs attention
home-calm = Nothing needs your attention.
home-subscription-full = { $product } is full: all { $total } licenses are assigned.
home-subscription-filling = { $product } is nearly full: { $left } of { $total } licenses left.
home-license-errors = { $group }: { $count ->
    [one] 1 member whose licenses from the group did not take
   *[other] { $members } members whose licenses from the group did not take
}
home-job-failed = { $kind } by { $who }: { $failed } of { $total } rows failed
home-locked-out = { $user } is locked out of signing in until { $until }
home-about = About
home-and-more = and { $count ->
    [one] 1 more
   *[other] { $shown } more
}
property-member = Member
property-memberId = Member's object ID
property-owner = Owner
property-ownerId = Owner's object ID
skip-to-content = Skip to the content
nav-menu = Menu
home-members = { $count ->
    [one] 1 member
   *[other] { $shown } members
}
new-user-step-groups = Groups
new-user-groups = Add the user to groups
new-user-no-groups = Your role does not add members to groups: the user is created without groups.
new-user-no-groups-found = No group of that name, or only groups whose members a rule decides.
new-user-name-free = This user name is free.
new-user-name-taken = Another user already has this user name.
new-user-open = Open the user
nav-domains = Domains
domains-title = Domains
domains-add = Add a domain
domains-add-submit = Add domain
domains-name = Domain name
domains-status = Status
domains-status-verified = Verified
domains-status-unverified = Not verified: no user or group can use it yet
domains-default = default
domains-how-to-verify = How to verify
domains-make-default = Make default
domains-remove = Remove
domains-remove-title = Remove { $domain }?
domains-remove-consequences = The domain leaves the organisation. It is refused while users or groups still use it.
domains-verify-title = Verify { $domain }
domains-verify-how = Create this TXT record at the domain's DNS host, then verify. A new record can take a while to be seen everywhere.
domains-record-type = Type
domains-record-name = Name
domains-record-value = Value
domains-record-ttl = TTL (seconds)
domains-verify = Verify
domains-added = The domain has been added. Create its TXT record, then verify it.
domains-verified = The domain has been verified: users and groups can use it now.
domains-default-set = The default domain has been changed.
domains-removed = The domain has been removed.
api-domain-not-verified = No TXT record of the domain holds “{ $text }” yet: create it at the domain's DNS host, and verify again once it is seen.
api-domain-unverified = { $domain } is not verified yet: verify it first.
api-domain-in-use = The domain is still used by { $users } users and { $groups } groups: move them to another domain first.
api-default-domain = This is the default domain: make another domain the default first.
activity-remove-domain = Remove domain
activity-set-default-domain = Set default domain
activity-verify-domain = Verify domain
users-pages = Pages of the list
users-page-of = Page { $page } of { $pages }
roles-done-assigned = The role has been assigned.
roles-done-removed = The role has been removed.
licenses-done-assigned = The license has been assigned.
licenses-done-saved = The subscription has been saved.
domains-actions = Actions
property-id = Domain name
details-deleted = This user was deleted on { $deleted } and is in the recycle bin: it can be restored, with its licenses and groups, until { $until }.
users-all-matching = { $count ->
    [one] The one user the filters find
   *[other] All { $users } users the filters find, not only those selected
}
pages-previous = Previous page
action-matching = { $count ->
    [one] This is for the one user the list's filters find.
   *[other] This is for every user the list's filters find: { $users } users.
}
action-list-changed = The list has changed since it was counted: look again at what is done.
action-matching-job = It runs as a bulk job; its page follows it, row by row.
action-confirm-count = { $count ->
    [one] { $action } for this user:
   *[other] { $action } for these { $users } users:
}
action-confirm-remove-license = { $license }: held by { $holders } of them now. They lose its apps, and its seats are freed; where it comes through a group, it stays until the user leaves the group.
action-confirm-button = { $action } ({ $users })
groups-remove-member-title = Remove { $member } from { $group }?
groups-remove-member-licenses = They lose the licenses the group gives ({ $licenses }), unless they hold them directly or through another group; the seats are freed.
groups-remove-member-no-licenses = The group gives no licenses: they keep every license they have.
groups-remove-named = Remove { $member }
groups-remove-license-title = Remove { $license } from { $group }?
groups-remove-license-consequences = { $count ->
    [one] Its member loses { $license }, unless they hold it directly or through another group; the seat is freed.
   *[other] Its { $members } members lose { $license }, unless they hold it directly or through another group; the seats are freed.
}
details-remove-license-title = Remove { $license } from { $user }?
details-remove-license-consequences = Its apps stop working for the user, and a seat is freed.
details-remove-license-inherited = The user also has this license through a group, and keeps it through the group.
deleted-purge-count = { $count ->
    [one] This user will be deleted permanently:
   *[other] These { $users } users will be deleted permanently:
}
deleted-purge-final = This cannot be undone: they cannot be restored afterwards, and their licenses and group memberships are gone with them.
api-address-taken = { $address } is already the address of another user or group: each address belongs to one of them only.
activity-delete-application = Delete application
activity-update-application = Update application
activity-update-application-certificates-and-secrets-management = Update application – Certificates and secrets management
authorize-intro = Sign in to { $app } with your work account.
authorize-blocked = Your account has been blocked from signing in. Ask your administrator to unblock it.
authorize-password-expired = Your password has expired and must be changed before you sign in. Ask your administrator for a new one.
logout-title = Signed out
logout-done = You have signed out. You can close this window.
device-title = Sign in on another device
device-intro = Enter the code that the application on your other device shows you.
device-code = Code
device-next = Next
device-wrong-code = That code is not valid, or it has expired. Check it, or start again on your device for a new one.
device-throttled = Too many codes were entered from here. Wait a minute and try again.
device-sign-in-title = Sign in to { $app }
device-sign-in-intro = { $app } on another device asks to sign in as you.
device-warning = Continue only if you started this yourself, on a device you have in front of you. If someone sent you this code, do not sign in.
device-requested = The request came from the address { $address } at { $when } (UTC). If that is not the device in front of you, do not sign in.
device-continue-as = Continue as { $name }
device-other-account = Or sign in with another account
device-decline = This was not me: cancel
device-done = You have signed in to { $app } on your other device.
device-declined = The sign-in was cancelled. Nothing was signed in.
device-close = You can close this window.
sign-ins-title = Sign-in log
sign-ins-user = User
sign-ins-app = Application
sign-ins-status = Status
sign-ins-kind = Kind
sign-ins-all = All
sign-ins-success = Success
sign-ins-failure = Failure
sign-ins-interactive = Interactive
sign-ins-noninteractive = Non-interactive
sign-ins-older = Older sign-ins
sign-ins-shown = { $count ->
    [one] 1 sign-in shown.
   *[other] { $shown } sign-ins shown.
}
