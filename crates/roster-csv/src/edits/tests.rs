use super::*;
use crate::new_users::{UserRow, write_roster_csv};
use proptest::prelude::*;

/// One line for the file, then one per row: `row N: USER {json}` or the error.
fn render(result: Result<EditFile, FileError>) -> String {
    let file = match result {
        Ok(file) => file,
        Err(error) => return format!("file error: {error}"),
    };
    let mut lines = vec![format!(
        "{} {} header={}",
        file.operation.name(),
        file.delimiter.name(),
        file.header_row
    )];
    for row in &file.rows {
        lines.push(match row {
            Ok(row) => {
                let sorted: std::collections::BTreeMap<_, _> = row.job_row.iter().collect();
                format!(
                    "row {}: {} {}",
                    row.row,
                    row.user,
                    serde_json::to_string(&sorted).unwrap()
                )
            }
            Err(error) => format!("{error}"),
        });
    }
    lines.join("\n")
}

/// Each expected line must occur in the corresponding rendered line, and there must be as
/// many lines.
fn check_given(operation: Operation, given: &[&str], input: &str, expected: &str) {
    let rendered = render(parse(operation, input.as_bytes(), given));
    let (got, want): (Vec<&str>, Vec<&str>) =
        (rendered.lines().collect(), expected.lines().collect());
    let matches = got.len() == want.len()
        && got
            .iter()
            .zip(&want)
            .all(|(got, want)| got.contains(want.trim()));
    assert!(
        matches,
        "input:\n{input}\n\nexpected:\n{expected}\n\ngot:\n{rendered}"
    );
}

fn check(operation: Operation, input: &str, expected: &str) {
    check_given(operation, &[], input, expected);
}

const ID: &str = "0190c6a4-0000-7000-8000-000000000001";

#[test]
fn user_columns() {
    for header in [
        "User Name",
        "userPrincipalName",
        "user principal name",
        "UPN",
        "USER",
    ] {
        check(
            Operation::Block,
            &format!("{header}\nann@contoso.example\n{ID}\n"),
            &format!(
                "block comma header=1\n\
                 row 2: ann@contoso.example {{\"user\":\"ann@contoso.example\"}}\n\
                 row 3: {ID} {{\"user\":\"{ID}\"}}"
            ),
        );
    }
    check(
        Operation::Delete,
        &format!("Object ID\n{ID}\nann@contoso.example\n"),
        &format!(
            "delete comma header=1\nrow 2: {ID} {{\"user\":\"{ID}\"}}\n\
             row 3, column 'Object ID': 'ann@contoso.example' is not a GUID"
        ),
    );
    // Both: the id names the user; the name labels the row, and its problems are reported.
    check(
        Operation::Block,
        &format!("id,userPrincipalName\n{ID},ann@contoso.example\n,bob@contoso.example\n"),
        &format!(
            "block\nrow 2: ann@contoso.example {{\"user\":\"{ID}\"}}\n\
             row 3: bob@contoso.example {{\"user\":\"bob@contoso.example\"}}"
        ),
    );
    check(
        Operation::Block,
        "User Name\nann\n,\n\"\"\n",
        "block\nrow 2, column 'User Name': neither a user principal name nor an object id: \
         'ann' has no '@'",
    );
    check(
        Operation::Block,
        "User Name,Object ID\n,\nx,\n",
        "block\nrow 3, column 'User Name': neither a user principal name",
    );
    check(
        Operation::Block,
        &format!("User Name\n{}@contoso.example\n", "a".repeat(200)),
        "block\nrow 2, column 'User Name': the value has 216 characters; the limit is 113",
    );
}

#[test]
fn duplicates_are_the_files_problem() {
    check(
        Operation::Block,
        "User Name\nann@contoso.example\nbob@contoso.example\nANN@Contoso.example\n",
        "file error: row 4, column 'User Name': 'ANN@Contoso.example' is also on row 2: each \
         user may appear only once in a file",
    );
    check(
        Operation::Update,
        &format!(
            "userPrincipalName,id,city\nann@contoso.example,{ID},Delft\nbob@contoso.example,{},Gouda\n",
            ID.to_uppercase()
        ),
        &format!("file error: row 3, column 'id': '{ID}' is also on row 2"),
    );
    // An update by id that gives two users the same new name.
    check(
        Operation::Update,
        &format!(
            "userPrincipalName,id,city\nann@contoso.example,{ID},\nann@contoso.example,\
             0190c6a4-0000-7000-8000-000000000002,\n"
        ),
        "file error: row 3, column 'userPrincipalName': 'ann@contoso.example' is also on row 2",
    );
    // Even when the earlier row is refused for another reason.
    check(
        Operation::Mfa,
        "User Name,MFA State\nann@contoso.example,sometimes\nann@contoso.example,enabled\n",
        "file error: row 3, column 'User Name': 'ann@contoso.example' is also on row 2",
    );
}

#[test]
fn headers() {
    check(
        Operation::Mfa,
        "User Name,MFA State,Nickname,Colour\n",
        "file error: row 1, column 'Nickname': the header does not fit: the columns \
         'Nickname', 'Colour' are not read by bulk mfa (it reads a user column (User \
         Name, userPrincipalName, User principal name, UPN, user or Object ID, id) and MFA \
         State, Default Method, Allowed Methods)",
    );
    check(
        Operation::Mfa,
        "MFA State,Default Method\n",
        "file error: row 1: the header does not fit: no column names the user",
    );
    check(
        Operation::Rename,
        "User Name\n",
        "file error: row 1: the header does not fit: the file has no column to change; bulk \
         rename changes First Name, Last Name, Display Name",
    );
    check(
        Operation::SetManager,
        "User Name\n",
        "file error: row 1: the header does not fit: the required column 'Manager' is missing",
    );
    check(
        Operation::ChangeDomain,
        "User Name\n",
        "file error: row 1: the header does not fit: the column 'Domain' is missing: give \
         it, or --domain for every row",
    );
    check_given(
        Operation::ChangeDomain,
        &["domain"],
        "User Name\nann@contoso.example\n",
        "change-domain\nrow 2: ann@contoso.example {\"user\":\"ann@contoso.example\"}",
    );
    check(
        Operation::Rename,
        "User Name,First Name,first name\n",
        "file error: row 1: the header does not fit: columns B ('First Name') and C ('first \
         name') both hold givenName",
    );
    check(
        Operation::Rename,
        "User Name,UPN,First Name\n",
        "file error: row 1: the header does not fit: columns A ('User Name') and B ('UPN') \
         both hold the user",
    );
    check(
        Operation::Block,
        "Name|Mail\n",
        "file error: row 1: the header names none of the columns that bulk block reads; \
         found 'Name|Mail'; expected a user column (User Name, userPrincipalName, User \
         principal name, UPN, user or Object ID, id); the header has a single column",
    );
    check(
        Operation::Block,
        "\u{feff}\r\n,,\n",
        "file error: the file is empty",
    );
    // Only a header: nothing to do, and no error.
    check(Operation::Block, "User Name\r\n", "block comma header=1");
}

#[test]
fn encodings_and_delimiters() {
    let latin1 = b"User Name,City\nann@contoso.example,Li\xE8ge\n";
    let rendered = render(parse(Operation::ContactInfo, latin1, &[]));
    assert!(
        rendered.contains("file error: row 2: the file is not UTF-8: byte 0xE8"),
        "{rendered}"
    );
    check(
        Operation::ContactInfo,
        "\u{feff}User Name;City;Office Phone\r\n\
         ann@contoso.example;Liège;\"+32 4 1234;+32 4 5678\"\r\n",
        "contact-info semicolon\n\
         row 2: ann@contoso.example {\"businessPhones\":[\"+32 4 1234\",\"+32 4 5678\"],\
         \"city\":\"Liège\",\"user\":\"ann@contoso.example\"}",
    );
    check(
        Operation::ContactInfo,
        "User Name\tCity\tOffice Phone\nann@contoso.example\tLiège\t+32 4 1234;+32 4 5678\n",
        "contact-info tab\nrow 2: ann@contoso.example {\"businessPhones\":[\"+32 4 1234\",\
         \"+32 4 5678\"],\"city\":\"Liège\",\"user\":\"ann@contoso.example\"}",
    );
}

#[test]
fn empty_leaves_and_clear_empties() {
    check(
        Operation::ContactInfo,
        "User Name,Office Phone,Mobile Phone,Fax,Address,City,State or Province,ZIP or Postal \
         Code,Country or Region\n\
         ann@contoso.example,,<clear>,<CLEAR>, <clear> ,Delft,,2611,\n\
         bob@contoso.example,<clear>,+31 6 1,,\"Main Street 1\r\nBuilding B\",,,,NL\n",
        "contact-info\n\
         row 2: ann@contoso.example {\"city\":\"Delft\",\"faxNumber\":null,\
         \"mobilePhone\":null,\"postalCode\":\"2611\",\"streetAddress\":null,\
         \"user\":\"ann@contoso.example\"}\n\
         row 3: bob@contoso.example {\"businessPhones\":[],\"country\":\"NL\",\
         \"mobilePhone\":\"+31 6 1\",\"streetAddress\":\"Main Street 1\\nBuilding B\",\
         \"user\":\"bob@contoso.example\"}",
    );
    check(
        Operation::Rename,
        "User Name,Display Name,First Name\nann@contoso.example,<clear>,Ann\n",
        "rename\nrow 2, column 'Display Name': <clear> cannot empty this column",
    );
}

#[test]
fn each_operation() {
    check(
        Operation::Mfa,
        "User Name,MFA State,Default Method,Allowed Methods\n\
         ann@contoso.example,Enforced,OATH,push; oath;SMS\n\
         bob@contoso.example,sometimes,,\n\
         cid@contoso.example,,,push;carrier pigeon\n\
         dee@contoso.example,disabled,<clear>,<clear>\n",
        "mfa\n\
         row 2: ann@contoso.example {\"mfaAllowedMethods\":[\"push\",\"oath\",\"sms\"],\
         \"mfaDefaultMethod\":\"oath\",\"perUserMfaState\":\"enforced\",\
         \"user\":\"ann@contoso.example\"}\n\
         row 3, column 'MFA State': 'sometimes' is not one of disabled, enabled, enforced\n\
         row 4, column 'Allowed Methods': 'carrier pigeon' is not one of push, oath, sms,\n\
         row 5: dee@contoso.example {\"mfaAllowedMethods\":[],\"mfaDefaultMethod\":null,\
         \"perUserMfaState\":\"disabled\",\"user\":\"dee@contoso.example\"}",
    );
    check(
        Operation::AuthContactInfo,
        "User Name,Authentication Phone,Alternate Authentication Phone,Authentication Email,\
         Alternate Email,Fax\n\
         ann@contoso.example,+31 6 1,+31 6 2,ann@home.example,a@home.example;b@home.example,+31 70 1\n\
         bob@contoso.example,call me,,,,\n\
         cid@contoso.example,,,cid-at-home,,\n",
        "auth-contact-info\n\
         row 2: ann@contoso.example {\"authenticationAlternatePhone\":\"+31 6 2\",\
         \"authenticationEmail\":\"ann@home.example\",\"authenticationPhone\":\"+31 6 1\",\
         \"faxNumber\":\"+31 70 1\",\"otherMails\":[\"a@home.example\",\"b@home.example\"],\
         \"user\":\"ann@contoso.example\"}\n\
         row 3, column 'Authentication Phone': 'call me' is not a phone number\n\
         row 4, column 'Authentication Email': 'cid-at-home' is not an email address",
    );
    check(
        Operation::ResetPasswords,
        "User Name,Password\nann@contoso.example, Secret 1 \nbob@contoso.example,\n",
        "reset-passwords\n\
         row 2: ann@contoso.example {\"password\":\" Secret 1 \",\"user\":\"ann@contoso.example\"}\n\
         row 3: bob@contoso.example {\"user\":\"bob@contoso.example\"}",
    );
    check(
        Operation::SetManager,
        &format!(
            "User Name,Manager\nann@contoso.example,bob@contoso.example\n\
             bob@contoso.example,\ncid@contoso.example,{ID}\ndee@contoso.example,bob\n"
        ),
        &format!(
            "set-manager\n\
             row 2: ann@contoso.example {{\"manager\":\"bob@contoso.example\",\"user\":\"ann@contoso.example\"}}\n\
             row 3: bob@contoso.example {{\"manager\":null,\"user\":\"bob@contoso.example\"}}\n\
             row 4: cid@contoso.example {{\"manager\":\"{ID}\",\"user\":\"cid@contoso.example\"}}\n\
             row 5, column 'Manager': neither a user principal name nor an object id"
        ),
    );
    check(
        Operation::ChangeDomain,
        "User Name,Domain\nann@contoso.example,Fabrikam.example\nbob@contoso.example,\n\
         cid@contoso.example,fabrikam\n",
        "change-domain\n\
         row 2: ann@contoso.example {\"domain\":\"fabrikam.example\",\"user\":\"ann@contoso.example\"}\n\
         row 3, column 'Domain': a value is required (or give --domain for every row)\n\
         row 4, column 'Domain': 'fabrikam' needs at least two labels",
    );
    check(
        Operation::ChangeUpn,
        "User Name,New User Name\nann@contoso.example,anna@contoso.example\n\
         bob@contoso.example,\ncid@contoso.example,cid\n",
        "change-upn\n\
         row 2: ann@contoso.example {\"user\":\"ann@contoso.example\",\"userPrincipalName\":\"anna@contoso.example\"}\n\
         row 3, column 'New User Name': a value is required\n\
         row 4, column 'New User Name': 'cid' has no '@'",
    );
    check_given(
        Operation::AssignLicenses,
        &["licenses"],
        "User Name,License\nann@contoso.example,SPE_E3; EMS\nbob@contoso.example,\n",
        "assign-licenses\n\
         row 2: ann@contoso.example {\"licenses\":[\"SPE_E3\",\"EMS\"],\"user\":\"ann@contoso.example\"}\n\
         row 3: bob@contoso.example {\"user\":\"bob@contoso.example\"}",
    );
    check(
        Operation::AddToGroups,
        "User Name,Groups\nann@contoso.example,Sales Team;Everyone\nbob@contoso.example,\n",
        "add-to-groups\n\
         row 2: ann@contoso.example {\"groups\":[\"Sales Team\",\"Everyone\"],\"user\":\"ann@contoso.example\"}\n\
         row 3, column 'Groups': a value is required (or give --group for every row)",
    );
}

#[test]
fn rows_stand_alone() {
    check(
        Operation::Rename,
        "User Name,First Name,,Last Name\n\
         ann@contoso.example,Ann,,Smit,,\n\
         bob@contoso.example,Bob,x,Berg\n\
         cid@contoso.example,Cid\n\
         dee@contoso.example,\"Dee\nDee\",,Visser\n\
         eve@contoso.example,Eve,,Visser,extra\n",
        "rename\n\
         row 2: ann@contoso.example {\"givenName\":\"Ann\",\"surname\":\"Smit\",\"user\":\"ann@contoso.example\"}\n\
         row 3, column 'column C': a value in a column that is ignored\n\
         row 4: the row has 2 fields but the header has 4\n\
         row 5, column 'First Name': the value has a line break, which only an address may \
         have (the record runs from line 5 to line 6: is a quote left open?)\n\
         row 7: the row has 5 fields but the header has 4",
    );
    check(
        Operation::Rename,
        &format!(
            "User Name,First Name\nann@contoso.example,{}\n",
            "x".repeat(100_000)
        ),
        "rename\nrow 2, column 'First Name': the value has 100000 characters; the limit is 64",
    );
}

#[test]
fn export_is_an_update_file() {
    let mut ann = UserRow::new(2, UserPrincipalName::parse("Ann@contoso.example").unwrap());
    ann.display_name = Some("Smit, \"Ann\"".into());
    ann.street_address = Some("Main Street 1\nBuilding B".into());
    ann.business_phones = vec!["+31 70 1".into(), "+31 70 2".into()];
    ann.usage_location = Some(UsageLocation::parse("NL").unwrap());
    ann.account_enabled = Some(true);
    ann.id = Some(ObjectId::parse(ID).unwrap());
    let bob = UserRow::new(0, UserPrincipalName::parse("bob@contoso.example").unwrap());
    let file = parse(
        Operation::Update,
        write_roster_csv(&[ann, bob]).as_bytes(),
        &[],
    )
    .unwrap();
    let rows: Vec<Json> = file
        .rows
        .iter()
        .map(|row| Json::Object(row.as_ref().unwrap().job_row.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            serde_json::json!({
                "user": ID, "userPrincipalName": "Ann@contoso.example",
                "displayName": "Smit, \"Ann\"", "businessPhones": ["+31 70 1", "+31 70 2"],
                "streetAddress": "Main Street 1\nBuilding B", "usageLocation": "NL",
                "accountEnabled": true,
            }),
            serde_json::json!({ "user": "bob@contoso.example" }),
        ]
    );
    assert_eq!(file.rows[1].as_ref().unwrap().row, 4);
    assert_eq!(file.column_of("user"), Some("userPrincipalName"));
    assert_eq!(
        file.column_of("userPrincipalName"),
        Some("userPrincipalName")
    );
    assert_eq!(file.column_of("businessPhones"), Some("businessPhones"));
    assert_eq!(file.column_of("licenses"), None);
}

#[test]
fn tables_agree_with_graph() {
    for operation in Operation::ALL {
        for def in operation.columns() {
            if let Some((_, attribute)) = roster_core::attributes::find_attribute(def.property) {
                assert_eq!(def.max_len, attribute.max_len, "{}", def.property);
                // Every choice is one the server takes.
                if let Kind::Choice(choices) | Kind::ChoiceList(choices) = def.kind {
                    for choice in choices {
                        let json = if def.kind.is_list() {
                            serde_json::json!([choice])
                        } else {
                            serde_json::json!(choice)
                        };
                        roster_core::attributes::AttrValue::from_json(attribute, &json).unwrap();
                    }
                }
            }
            // No column shares a name with the user's.
            for name in def.names {
                assert!(
                    role_of(operation, name) == Some(Role::Property(def)),
                    "{name}"
                );
            }
        }
    }
    // Every column of roster's export is an update column (or the user's).
    for name in new_users::ROSTER_COLUMNS {
        assert!(role_of(Operation::Update, name).is_some(), "{name}");
    }
}

/// The job row that an exported user's row asks for: every property it has, as it is.
fn expected_job_row(user: &UserRow) -> Json {
    let mut expected = Map::new();
    match user.id {
        Some(id) => {
            expected.insert("user".into(), id.to_string().into());
            expected.insert(
                "userPrincipalName".into(),
                user.user_principal_name.to_string().into(),
            );
        }
        None => {
            expected.insert("user".into(), user.user_principal_name.to_string().into());
        }
    }
    for name in new_users::ROSTER_COLUMNS {
        let Some(Role::Property(def)) = role_of(Operation::Update, name) else {
            continue;
        };
        let field = match def.property {
            "displayName" => new_users::Field::DisplayName,
            "givenName" => new_users::Field::GivenName,
            "surname" => new_users::Field::Surname,
            "jobTitle" => new_users::Field::JobTitle,
            "department" => new_users::Field::Department,
            "officeLocation" => new_users::Field::OfficeLocation,
            "businessPhones" => new_users::Field::BusinessPhones,
            "mobilePhone" => new_users::Field::MobilePhone,
            "faxNumber" => new_users::Field::FaxNumber,
            "otherMails" => new_users::Field::OtherMails,
            "streetAddress" => new_users::Field::StreetAddress,
            "city" => new_users::Field::City,
            "state" => new_users::Field::State,
            "postalCode" => new_users::Field::PostalCode,
            "country" => new_users::Field::Country,
            "usageLocation" => new_users::Field::UsageLocation,
            "accountEnabled" => new_users::Field::AccountEnabled,
            other => panic!("{other} is not in roster's export"),
        };
        let Some(value) = user.value(field) else {
            continue;
        };
        let json = match def.kind {
            Kind::PhoneList | Kind::EmailList => {
                Json::Array(value.split(';').map(|v| Json::String(v.into())).collect())
            }
            Kind::Bool => Json::Bool(value == "true"),
            _ => Json::String(value.into_owned()),
        };
        expected.insert(def.property.into(), json);
    }
    Json::Object(expected)
}

proptest! {
    #[test]
    fn an_edited_export_asks_for_what_it_holds(
        users in proptest::collection::vec(new_users::tests::user_row(), 0..6)
    ) {
        let mut seen = std::collections::HashSet::new();
        let users: Vec<UserRow> = users
            .into_iter()
            .filter(|user| {
                seen.insert(user.user_principal_name.key())
                    && user.id.is_none_or(|id| seen.insert(id.to_string()))
            })
            .collect();
        let file = parse(Operation::Update, write_roster_csv(&users).as_bytes(), &[]).unwrap();
        prop_assert_eq!(file.rows.len(), users.len());
        for (user, row) in users.iter().zip(&file.rows) {
            let row = row.as_ref().map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(Json::Object(row.job_row.clone()), expected_job_row(user));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for operation in Operation::ALL {
            let _ = parse(operation, &bytes, &[]);
        }
    }

    #[test]
    fn arbitrary_rows_never_panic(rows in "[a-z@.,;<>\"\\r\\n\\t ]{0,300}") {
        let headers = [
            (Operation::Update, "userPrincipalName,id,otherMails,streetAddress"),
            (Operation::Mfa, "user,MFA State,Allowed Methods"),
            (Operation::SetManager, "User Name;Manager"),
        ];
        for (operation, header) in headers {
            if let Ok(file) = parse(operation, format!("{header}\n{rows}").as_bytes(), &[]) {
                let numbers: Vec<usize> = file
                    .rows
                    .iter()
                    .map(|row| match row {
                        Ok(row) => row.row,
                        Err(error) => error.row,
                    })
                    .collect();
                prop_assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]));
                prop_assert!(numbers.iter().all(|n| *n > file.header_row));
            }
        }
    }
}
