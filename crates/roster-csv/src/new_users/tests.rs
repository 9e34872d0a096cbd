use super::*;
use crate::new_users::columns::{ENTRA_COLUMNS, ROSTER_TABLE};
use proptest::prelude::*;

const ADMIN_HEADER: &str = "User Name,First Name,Last Name,Display Name,Job Title,Department,\
    Office Number,Office Phone,Mobile Phone,Fax,Alternate email address,Address,City,\
    State or Province,ZIP or Postal Code,Country or Region";

const ENTRA_HEADER: &str = "version:v1.0\nName [displayName] Required,\
    User name [userPrincipalName] Required,Initial password [passwordProfile] Required,\
    Block sign in (Yes/No) [accountEnabled] Required,First name [givenName],\
    Last name [surname],Job title [jobTitle],Department [department],\
    Usage location [usageLocation],Street address [streetAddress],\
    State or province [state],Country or region [country],\
    Office [physicalDeliveryOfficeName],City [city],ZIP or postal code [postalCode],\
    Office phone [telephoneNumber],Mobile phone [mobile]";

/// One line for the file, then one per row: `row N: ok UPN field=value …` or the error.
fn render(result: Result<Parsed, FileError>) -> String {
    let parsed = match result {
        Ok(parsed) => parsed,
        Err(error) => return format!("file error: {error}"),
    };
    let mut lines = vec![format!(
        "{:?} {} header={}",
        parsed.template,
        parsed.delimiter.name(),
        parsed.header_row
    )];
    for row in &parsed.rows {
        lines.push(match row {
            Ok(user) => {
                let mut line = format!("row {}: ok {}", user.row, user.user_principal_name);
                for spec in ROSTER_TABLE.iter().skip(1) {
                    if let Some(value) = user.value(spec.field) {
                        let value = value.replace('\n', "\\n");
                        line.push_str(&format!(" {}={value}", spec.name));
                    }
                }
                if let Some(password) = &user.password {
                    line.push_str(&format!(" password={password}"));
                }
                line
            }
            Err(error) => format!("{error}"),
        });
    }
    lines.join("\n")
}

/// Each expected line must occur in the corresponding rendered line, and there must be as
/// many lines.
fn check(input: &str, expected: &str) {
    let rendered = render(parse(input.as_bytes()));
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

fn admin(rows: &str) -> String {
    format!("{ADMIN_HEADER}\n{rows}")
}

fn entra_file(rows: &str) -> String {
    format!("{ENTRA_HEADER}\n{rows}")
}

#[test]
fn admin_center_template() {
    check(
        &admin(
            "adele@contoso.example,Adele,Vance,Adele Vance,Retail Manager,Retail,\
             18/2111,+1 425 555 0109,+1 425 555 0110,,adele@home.example,\
             Kalverstraat 1,Amsterdam,NH,1012 NX,Netherlands",
        ),
        "AdminCenter comma header=1
         row 2: ok adele@contoso.example displayName=Adele Vance givenName=Adele \
         surname=Vance jobTitle=Retail Manager department=Retail officeLocation=18/2111 \
         businessPhones=+1 425 555 0109 mobilePhone=+1 425 555 0110 \
         otherMails=adele@home.example streetAddress=Kalverstraat 1 city=Amsterdam state=NH \
         postalCode=1012 NX country=Netherlands",
    );
    check(
        "user name , DISPLAY NAME\r\n adele@contoso.example , Adele \r\n",
        "AdminCenter comma header=1\nrow 2: ok adele@contoso.example displayName=Adele",
    );
    check(
        "Display Name,City,User Name\nAdele,Utrecht,adele@contoso.example",
        "AdminCenter\nrow 2: ok adele@contoso.example displayName=Adele city=Utrecht",
    );
    check(
        "\u{feff}User Name,Display Name\nadele@contoso.example,Adèle",
        "AdminCenter\nrow 2: ok adele@contoso.example displayName=Adèle",
    );
    check(
        "User Name,Display Name,Alternate email address\n\
         a@contoso.example,A,a@home.example; a@work.example",
        "AdminCenter\nrow 2: ok a@contoso.example displayName=A \
         otherMails=a@home.example;a@work.example",
    );
}

#[test]
fn entra_template() {
    check(
        &entra_file(
            "Adele Vance,adele@contoso.example,Pa55 word!,No,Adele,Vance,Retail Manager,\
             Retail,NL,Kalverstraat 1,NH,Netherlands,18/2111,Amsterdam,1012 NX,\
             +31 20 123 4567,+31 6 1234 5678",
        ),
        "EntraBulkCreate comma header=2
         row 3: ok adele@contoso.example displayName=Adele Vance givenName=Adele \
         surname=Vance jobTitle=Retail Manager department=Retail officeLocation=18/2111 \
         businessPhones=+31 20 123 4567 mobilePhone=+31 6 1234 5678 \
         streetAddress=Kalverstraat 1 city=Amsterdam state=NH postalCode=1012 NX \
         country=Netherlands usageLocation=NL accountEnabled=true password=Pa55 word!",
    );
    check(
        &entra_file("Adele,adele@contoso.example,,yes,,,,,,,,,,,,,"),
        "EntraBulkCreate\nrow 3: ok adele@contoso.example displayName=Adele accountEnabled=false",
    );
    // Excel pads the version line; extra columns are ignored; order does not matter.
    check(
        "version:v1.0,,,,\n\
         Notes,User name [userPrincipalName] Required,Name [displayName] Required,\
         Block sign in (Yes/No) [accountEnabled] Required,\
         Initial password [passwordProfile] Required\n\
         anything,adele@contoso.example,Adele,No,secret",
        "EntraBulkCreate comma header=2\n\
         row 3: ok adele@contoso.example displayName=Adele accountEnabled=true password=secret",
    );
    // Older templates wrote `Name (example: Chris Green) [displayName] *`.
    check(
        "Name (example: Chris Green) [displayName] *,User name [userPrincipalName] *,\
         Initial password [passwordProfile] *,Block sign in (Yes/No) [accountEnabled] *\n\
         Adele,adele@contoso.example,pw,No",
        "EntraBulkCreate comma header=1\nrow 2: ok adele@contoso.example",
    );
    check(
        "version:v2.0\nName [displayName] Required",
        "file error: row 1: the Entra template's version 'v2.0' is not supported",
    );
    check(
        "version:v1.0\n",
        "file error: row 1: the file has the Entra template's version line but no header",
    );
    check(
        "version:v1.0\nUser Name,Display Name\n",
        "file error: row 2: the file starts with the Entra template's version line, but its \
         header has none of the template's columns",
    );
    check(
        "version:v1.0\nName [displayName] Required,User name [userPrincipalName] Required\n",
        "file error: row 2: the header looks like the Entra bulk-create template, but the \
         required columns 'Initial password [passwordProfile] Required', \
         'Block sign in (Yes/No) [accountEnabled] Required' are missing",
    );
    check(
        &entra_file("Adele,adele@contoso.example,pw,maybe,,,,,,,,,,,,,"),
        "EntraBulkCreate\nrow 3, column 'Block sign in (Yes/No) [accountEnabled] Required': \
         'maybe' is neither Yes nor No",
    );
    check(
        &entra_file("Adele,adele@contoso.example,pw,No,,,,,Netherlands,,,,,,,,"),
        "EntraBulkCreate\nrow 3, column 'Usage location [usageLocation]': 'Netherlands' is \
         not an ISO 3166-1 alpha-2 country code",
    );
}

#[test]
fn roster_format() {
    let header = ROSTER_COLUMNS.join(",");
    check(
        &format!(
            "{header}\nadele@contoso.example,Adele,,,,,,+1 555 0100;+1 555 0101,,,,,,,,,nl,\
             FALSE,0192f5a4-2c3e-7abc-8def-0123456789ab"
        ),
        "Roster comma header=1\nrow 2: ok adele@contoso.example displayName=Adele \
         businessPhones=+1 555 0100;+1 555 0101 usageLocation=NL accountEnabled=false \
         id=0192f5a4-2c3e-7abc-8def-0123456789ab",
    );
    check(
        "userPrincipalName,department\nadele@contoso.example,\n",
        "Roster\nrow 2: ok adele@contoso.example",
    );
    check(
        "userPrincipalName,accountEnabled\nadele@contoso.example,yes\n",
        "Roster\nrow 2, column 'accountEnabled': 'yes' is neither true nor false",
    );
    check(
        "userPrincipalName,id\na@contoso.example,not-a-guid\n",
        "Roster\nrow 2, column 'id': 'not-a-guid' is not a GUID",
    );
    check(
        "userPrincipalName,id\n\
         a@contoso.example,0192f5a4-2c3e-7abc-8def-0123456789ab\n\
         b@contoso.example,0192F5A4-2C3E-7ABC-8DEF-0123456789AB\n",
        "Roster\nrow 2: ok a@contoso.example\nrow 3, column 'id': the id \
         0192f5a4-2c3e-7abc-8def-0123456789ab is also on row 2",
    );
    check(
        "displayName,mail\nAdele,adele@contoso.example\n",
        "file error: row 1, column 'mail': the header looks like roster's export format, but \
         the required column 'userPrincipalName' is missing; the column 'mail' is not in roster's export \
         format",
    );
}

#[test]
fn delimiters() {
    check(
        "User Name;Display Name;City\nadele@contoso.example;Vance, Adele;Utrecht",
        "AdminCenter semicolon\nrow 2: ok adele@contoso.example displayName=Vance, Adele \
         city=Utrecht",
    );
    check(
        "User Name\tDisplay Name\nadele@contoso.example\tAdele",
        "AdminCenter tab\nrow 2: ok adele@contoso.example displayName=Adele",
    );
    check(
        "version:v1.0;;;\nName [displayName] Required;User name [userPrincipalName] \
         Required;Initial password [passwordProfile] Required;Block sign in (Yes/No) \
         [accountEnabled] Required\nAdele;adele@contoso.example;p,w;No",
        "EntraBulkCreate semicolon header=2\nrow 3: ok adele@contoso.example \
         displayName=Adele accountEnabled=true password=p,w",
    );
    check(
        "User Name|Display Name\nadele@contoso.example|Adele",
        "file error: row 1: the header is not one roster reads; found 'User Name|Display \
         Name'; expected the Microsoft 365 admin center template (User Name, First Name, \
         Last Name, Display Name, …), the Entra bulk-create template (a line version:v1.0, \
         then headers such as 'User name [userPrincipalName] Required') or roster's export \
         format (userPrincipalName, displayName, givenName, …); the header has a single \
         column: roster reads files separated by commas, semicolons or tabs",
    );
    // A comma-separated header with semicolon-separated rows: the rows are short.
    check(
        "User Name,Display Name\nadele@contoso.example;Adele",
        "AdminCenter comma\nrow 2: the row has 1 fields but the header has 2",
    );
}

#[test]
fn bad_files() {
    check("", "file error: the file is empty");
    check("\u{feff}", "file error: the file is empty");
    check("\n\r\n,,,\n", "file error: the file is empty");
    check(
        "Name,Email\nAdele,adele@contoso.example",
        "file error: row 1: the header is not one roster reads; found 'Name', 'Email'",
    );
    check(
        "User Name,Display Name,Nickname,Manager\n",
        "file error: row 1, column 'Nickname': the header looks like the Microsoft 365 admin \
         center template, but the columns 'Nickname', 'Manager' are not in the Microsoft 365 admin center \
         template (its columns are User Name, First Name,",
    );
    check(
        "User Name,First Name\n",
        "file error: row 1: the header looks like the Microsoft 365 admin center template, \
         but the required column 'Display Name' is missing",
    );
    check(
        "Usr Name,Display Name\n",
        "file error: row 1, column 'Usr Name': the header looks like the Microsoft 365 admin \
         center template, but the required column 'User Name' is missing; the column \
         'Usr Name' is not in",
    );
    check(
        "User Name,Display Name,user name\n",
        "file error: row 1: the header looks like the Microsoft 365 admin center template, \
         but columns A ('User Name') and C ('user name') both hold userPrincipalName",
    );
    // Only a header: nothing to do, and no error.
    check("User Name,Display Name\r\n", "AdminCenter comma header=1");
}

#[test]
fn encodings() {
    let check_bytes = |bytes: &[u8], expected: &str| {
        let rendered = render(parse(bytes));
        assert!(rendered.contains(expected), "{rendered}");
    };
    let utf16: Vec<u8> = "User Name,Display Name"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    check_bytes(
        &[b"\xFF\xFE".as_slice(), &utf16].concat(),
        "file error: the file is UTF-16: save it as CSV UTF-8",
    );
    check_bytes(
        &utf16,
        "file error: row 1: the file has NUL bytes, as UTF-16 has",
    );
    check_bytes(
        b"\xFE\xFF\x00U",
        "file error: the file is UTF-16: save it as CSV UTF-8",
    );
    check_bytes(
        b"User Name,Display Name\nadele@contoso.example,Ad\xE8le\n",
        "file error: row 2: the file is not UTF-8: byte 0xE8 at byte offset 47",
    );
    check_bytes(
        b"\xEF\xBB\xBFUser Name,Display Name\r\na@contoso.example,A\r\nb@contoso.example,B\xFF",
        "file error: row 3: the file is not UTF-8: byte 0xFF at byte offset 67",
    );
    check_bytes(
        b"\xEF\xBB\xBFUser Name,Display Name\r\na@contoso.example,A\r\nb@contoso.example,B\x00\r\n",
        "file error: row 3: a NUL character (U+0000), which no value can hold",
    );
}

#[test]
fn rows_stand_alone() {
    check(
        "User Name,Display Name\n\
         a@contoso.example,A\n\
         \n\
         ,,\n\
         not-an-upn,B\n\
         c@contoso.example,\n\
         A@Contoso.example,A again\n\
         d@contoso.example,D,extra\n\
         e@contoso.example,E,,\n\
         f@contoso.example\n\
         g@contoso.example,G\n",
        "AdminCenter comma header=1
         row 2: ok a@contoso.example displayName=A
         row 5, column 'User Name': 'not-an-upn' has no '@'
         row 6, column 'Display Name': a value is required
         row 7, column 'User Name': 'A@Contoso.example' is also on row 2
         row 8: the row has 3 fields but the header has 2
         row 9: ok e@contoso.example displayName=E
         row 10: the row has 1 fields but the header has 2
         row 11: ok g@contoso.example displayName=G",
    );
    // The first row failed, but a second row for the same user is still a duplicate.
    check(
        "User Name,Display Name,Mobile Phone\n\
         a@contoso.example,A,call me\n\
         a@contoso.example,A,+1 555 0100\n",
        "AdminCenter
         row 2, column 'Mobile Phone': 'call me' is not a phone number: 'c' is not allowed
         row 3, column 'User Name': 'a@contoso.example' is also on row 2",
    );
    check(
        "User Name,Display Name,Office Phone,Fax,Alternate email address\n\
         a@contoso.example,A,+1 (425) 555-0100 ext. 12,+1.425.555.0101 x3,a@home.example\n\
         b@contoso.example,B,---,,\n\
         c@contoso.example,C,,,c at home\n\
         d@contoso.example,D,,,d@home\n",
        "AdminCenter
         row 2: ok a@contoso.example displayName=A businessPhones=+1 (425) 555-0100 ext. 12 \
         faxNumber=+1.425.555.0101 x3 otherMails=a@home.example
         row 3, column 'Office Phone': '---' is not a phone number: it has no digits
         row 4, column 'Alternate email address': 'c at home' is not an email address: \
         it has no '@'
         row 5, column 'Alternate email address': 'd@home' is not an email address: the \
         part after '@' is not a domain name",
    );
}

#[test]
fn line_endings_and_row_numbers() {
    // Old Mac Excel ends lines with a lone `\r`; Windows with `\r\n`.
    check(
        "User Name,Display Name\ra@contoso.example,A\r\rb@contoso.example,B\r",
        "AdminCenter\nrow 2: ok a@contoso.example\nrow 4: ok b@contoso.example",
    );
    check(
        "\r\n\r\nUser Name,Display Name\r\n\r\na@contoso.example,A\r\n,,\r\nb@contoso.example,B",
        "AdminCenter comma header=3\nrow 5: ok a@contoso.example\nrow 7: ok b@contoso.example",
    );
    // Excel pads every line when a cell right of the table was ever touched.
    check(
        "User Name,Display Name,,\r\na@contoso.example,A,,\r\n,,,\r\n",
        "AdminCenter\nrow 2: ok a@contoso.example displayName=A",
    );
    check(
        &entra_file(",adele@contoso.example,pw,No,,,,,,,,,,,,,"),
        "EntraBulkCreate\nrow 3, column 'Name [displayName] Required': a value is required",
    );
}

#[test]
fn the_row_error_names_the_user() {
    let parsed = parse(b"User Name,Display Name\nadele@contoso.example,\n").unwrap();
    let error = parsed.rows[0].as_ref().unwrap_err();
    assert_eq!(
        error.user_principal_name.as_deref(),
        Some("adele@contoso.example")
    );
    assert_eq!(error.column.as_deref(), Some("Display Name"));
}

#[test]
fn quoted_newlines_and_empty_headers() {
    check(
        "User Name,Display Name,Address,City\r\n\
         a@contoso.example,\"Vance, Adele\",\"Kalverstraat 1\r\n3rd floor\",Amsterdam\r\n\
         b@contoso.example,B,,Utrecht\r\n",
        "AdminCenter
         row 2: ok a@contoso.example displayName=Vance, Adele streetAddress=Kalverstraat 1\\n3rd floor city=Amsterdam
         row 4: ok b@contoso.example displayName=B city=Utrecht",
    );
    // A quote left open swallows lines up to the next quote; the error says which.
    check(
        "User Name,Display Name,City\n\
         a@contoso.example,\"Adele,Utrecht\n\
         b@contoso.example,B,Utrecht\n\
         c@contoso.example,\"C\",Delft\n",
        "AdminCenter
         row 2, column 'Display Name': the value has a line break, which only an address may \
         have (the record runs from line 2 to line 4: is a quote left open?)",
    );
    // Left open to the end of the file: the fields after it are missing.
    check(
        "User Name,Display Name,City\n\
         a@contoso.example,\"Adele,Utrecht\n\
         b@contoso.example,B,Utrecht\n",
        "AdminCenter
         row 2: the row has 2 fields but the header has 3 (the record runs from line 2 to \
         line 3: is a quote left open?)",
    );
    check(
        "User Name,Display Name,City\n\
         a@contoso.example,A,\"Utrecht\n\
         b@contoso.example,B,Utrecht\n",
        "AdminCenter
         row 2, column 'City': the value has a line break, which only an address may have \
         (the record runs from line 2 to line 3: is a quote left open?)",
    );
    check(
        "User Name,Display Name,\na@contoso.example,A,\nb@contoso.example,B,oops\n",
        "AdminCenter
         row 2: ok a@contoso.example
         row 3, column 'column C': a value in a column without a header",
    );
    check(
        "User Name,Display Name\n\"a@contoso.example\",\"Dwayne \"\"The Rock\"\" Johnson\"\n",
        "AdminCenter\nrow 2: ok a@contoso.example displayName=Dwayne \"The Rock\" Johnson",
    );
}

#[test]
fn limits() {
    let long = |n: usize| "x".repeat(n);
    check(
        &format!(
            "User Name,Display Name,Job Title\na@contoso.example,A,{}",
            long(64)
        ),
        "AdminCenter\nrow 2: ok",
    );
    check(
        &format!(
            "User Name,Display Name,Job Title\na@contoso.example,A,{}",
            long(65)
        ),
        "AdminCenter\nrow 2, column 'Job Title': the value has 65 characters; the limit is 64",
    );
    check(
        &format!(
            "userPrincipalName,jobTitle\na@contoso.example,{}",
            long(128)
        ),
        "Roster\nrow 2: ok",
    );
    check(
        &format!(
            "userPrincipalName,jobTitle\na@contoso.example,{}",
            long(129)
        ),
        "Roster\nrow 2, column 'jobTitle': the value has 129 characters; the limit is 128",
    );
    // Characters, not bytes.
    check(
        &format!(
            "User Name,Display Name,Department\na@contoso.example,A,{}",
            "é".repeat(64)
        ),
        "AdminCenter\nrow 2: ok",
    );
    let upn_80 = format!("{}@contoso.example", long(64));
    check(
        &format!("User Name,Display Name\n{upn_80},A"),
        "AdminCenter\nrow 2, column 'User Name': the value has 80 characters; the limit is 79",
    );
    check(&format!("userPrincipalName\n{upn_80}"), "Roster\nrow 2: ok");
    check(
        &format!(
            "User Name,Display Name,Office Phone\na@contoso.example,A,1;{}",
            "1".repeat(65)
        ),
        "AdminCenter\nrow 2, column 'Office Phone': the value has 65 characters; the limit is 64",
    );
    check(
        &format!(
            "User Name,Display Name,Office Phone\na@contoso.example,A,{}",
            ["1"; 11].join(";")
        ),
        "AdminCenter\nrow 2, column 'Office Phone': 11 values separated by ';'; the limit is 10",
    );
}

#[test]
fn a_huge_field_is_reported_by_its_length() {
    let huge = "y".repeat(10 * 1024 * 1024);
    for (input, column) in [
        (
            format!(
                "User Name,Display Name,City\na@contoso.example,A,\"{huge}\"\nb@contoso.example,B,Delft"
            ),
            "City",
        ),
        (
            format!("User Name,Display Name\n{huge}@contoso.example,A\nb@contoso.example,B"),
            "User Name",
        ),
        (
            format!(
                "userPrincipalName,usageLocation\na@contoso.example,{huge}\nb@contoso.example,NL"
            ),
            "usageLocation",
        ),
    ] {
        let parsed = parse(input.as_bytes()).unwrap();
        let error = parsed.rows[0].as_ref().unwrap_err();
        assert_eq!(error.column.as_deref(), Some(column));
        assert!(error.problem.to_string().contains("10485"), "{error}");
        assert!(error.to_string().len() < 200, "{error}");
        assert!(parsed.rows[1].is_ok());
    }
    let header = format!("User Name,Display Name,{huge}\n");
    let error = parse(header.as_bytes()).unwrap_err();
    assert!(error.to_string().len() < 1000, "{error}");
}

#[test]
fn tables_agree_with_graph() {
    let names: Vec<&str> = ROSTER_TABLE.iter().map(|spec| spec.name).collect();
    assert_eq!(names, ROSTER_COLUMNS);
    for spec in ROSTER_TABLE {
        assert_eq!(spec.name, spec.field.graph_name());
    }
    for spec in ROSTER_TABLE.iter().chain(ENTRA_COLUMNS) {
        if let Some((_, def)) = roster_core::attributes::find_attribute(spec.field.graph_name()) {
            assert_eq!(spec.max_len, def.max_len, "{}", spec.label);
        }
    }
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

#[test]
fn debug_hides_the_password() {
    let mut user = UserRow::new(2, UserPrincipalName::parse("a@contoso.example").unwrap());
    user.password = Some("hunter2".into());
    assert!(!format!("{user:?}").contains("hunter2"));
}

#[test]
fn export_round_trips() {
    let mut adele = UserRow::new(
        2,
        UserPrincipalName::parse("Adele@contoso.example").unwrap(),
    );
    adele.display_name = Some("Vance, \"Adele\"".into());
    adele.street_address = Some("Kalverstraat 1\n3rd floor".into());
    adele.business_phones = vec!["+1 555 0100".into(), "+1 555 0101".into()];
    adele.other_mails = vec!["adele@home.example".into()];
    adele.usage_location = Some(UsageLocation::parse("NL").unwrap());
    adele.account_enabled = Some(false);
    adele.id = Some(ObjectId::new());
    let mut bob = UserRow::new(0, UserPrincipalName::parse("bob@contoso.example").unwrap());
    bob.city = Some("Utrecht".into());
    let text = write_roster_csv(&[adele.clone(), bob.clone()]);
    assert!(text.starts_with("\u{feff}userPrincipalName,displayName,"));
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.template, Template::Roster);
    bob.row = 4; // Adele's address spans two lines
    assert_eq!(parsed.rows, vec![Ok(adele), Ok(bob)]);
}

#[test]
fn export_quotes_formulas_and_reads_them_back() {
    let hyperlink = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let mut eve = UserRow::new(2, UserPrincipalName::parse("-eve@contoso.example").unwrap());
    eve.display_name = Some(hyperlink.into());
    eve.given_name = Some("+Eve".into());
    eve.surname = Some("@Evil".into());
    eve.job_title = Some("\t=1+1".into());
    eve.department = Some("'=already quoted".into());
    eve.office_location = Some("'plain".into());
    eve.mobile_phone = Some("+31 20 123".into());
    eve.business_phones = vec!["+31 70 1".into(), "+31 70 2".into()];
    eve.street_address = Some("\r=2".into());
    let text = write_roster_csv(std::slice::from_ref(&eve));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .nth(1)
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let written: Vec<&str> = cells.iter().map(String::as_str).collect();
    assert_eq!(
        written[..10],
        [
            "'-eve@contoso.example",
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "'+Eve",
            "'@Evil",
            "'\t=1+1",
            "''=already quoted",
            "'plain",
            "'+31 70 1;+31 70 2",
            "'+31 20 123",
            "",
        ]
    );
    assert_eq!(written[11], "'\r=2");
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.rows, vec![Ok(eve.clone())]);

    // A column headed otherwise is not roster's: its cells are taken as written.
    let file = "User Name,Display Name,Mobile Phone\n\
        ann@contoso.example,'=x,'+31 20 123\n\
        bob@contoso.example,'=x,+31 20 123\n";
    let parsed = parse(file.as_bytes()).unwrap();
    assert_eq!(parsed.template, Template::AdminCenter);
    assert!(matches!(
        &parsed.rows[0],
        Err(RowError {
            problem: CsvProblem::NotPhone { .. },
            ..
        })
    ));
    assert_eq!(
        parsed.rows[1].as_ref().unwrap().display_name.as_deref(),
        Some("'=x")
    );
}

/// Text, often starting as a formula would (which the export quotes) or with a quote.
fn text_value(max: usize) -> impl Strategy<Value = Option<String>> {
    let pattern =
        proptest::string::string_regex(&format!("\\PC{{1,{max}}}")).expect("a valid pattern");
    let start = proptest::sample::select(vec!["", "", "=", "+", "-", "@", "'", "'=", "''-"]);
    proptest::option::of((start, pattern)).prop_map(|value| {
        value
            .map(|(start, text)| format!("{start}{}", text.trim()))
            .filter(|text| !text.is_empty())
    })
}

/// Any user that roster's export can hold.
pub(crate) fn user_row() -> impl Strategy<Value = UserRow> {
    let names = (
        "('{0,2}-)?[a-z0-9]{1,10}(\\.[a-z0-9_-]{1,5})?@[a-z]{1,8}\\.example",
        text_value(30),
        text_value(20),
        text_value(20),
        text_value(30),
        text_value(20),
        text_value(20),
    );
    let contact = (
        proptest::collection::vec("\\+?[0-9][0-9 ()-]{0,15}[0-9]", 0..3),
        proptest::option::of("[0-9]([0-9 ]{0,12}[0-9])?"),
        proptest::option::of("[0-9]{3,10}"),
        proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.example", 0..3),
        text_value(40).prop_map(|address| address.map(|a| a.replace('\r', ""))),
        proptest::option::of("[a-z\\n]{0,10}[a-z]").prop_map(|a| a.map(|a| format!("x{a}"))),
    );
    let place = (
        text_value(20),
        text_value(20),
        text_value(10),
        text_value(20),
        proptest::option::of(proptest::sample::select(vec!["NL", "US", "DE", "JP"])),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<u128>()),
    );
    (names, contact, place).prop_map(|(names, contact, place)| {
        let (upn, display_name, given_name, surname, job_title, department, office) = names;
        let (business_phones, mobile, fax, other_mails, address, multiline_address) = contact;
        let (city, state, postal_code, country, usage_location, account_enabled, id) = place;
        let mut user = UserRow::new(0, UserPrincipalName::parse(&upn).unwrap());
        user.display_name = display_name;
        user.given_name = given_name;
        user.surname = surname;
        user.job_title = job_title;
        user.department = department;
        user.office_location = office;
        user.business_phones = business_phones;
        user.mobile_phone = mobile;
        user.fax_number = fax;
        user.other_mails = other_mails;
        user.street_address = multiline_address.or(address);
        user.city = city;
        user.state = state;
        user.postal_code = postal_code;
        user.country = country;
        user.usage_location = usage_location.map(|code| UsageLocation::parse(code).unwrap());
        user.account_enabled = account_enabled;
        user.id = id.map(|n| ObjectId::from(uuid::Uuid::from_u128(n)));
        user
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn arbitrary_rows_never_panic(rows in "[a-z@.,;\"\\r\\n\\t ]{0,300}") {
        for header in [ADMIN_HEADER, ENTRA_HEADER, "userPrincipalName,otherMails,id"] {
            if let Ok(parsed) = parse(format!("{header}\n{rows}").as_bytes()) {
                let numbers: Vec<usize> = parsed
                    .rows
                    .iter()
                    .map(|row| match row {
                        Ok(user) => user.row,
                        Err(error) => error.row,
                    })
                    .collect();
                prop_assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]));
                prop_assert!(numbers.iter().all(|n| *n > parsed.header_row));
            }
        }
    }

    #[test]
    fn write_then_parse_round_trips(users in proptest::collection::vec(user_row(), 0..6)) {
        // A file holds each user once.
        let mut seen = std::collections::HashSet::new();
        let users: Vec<UserRow> = users
            .into_iter()
            .filter(|user| {
                seen.insert(user.user_principal_name.key())
                    && user.id.is_none_or(|id| seen.insert(id.to_string()))
            })
            .collect();
        let parsed = parse(write_roster_csv(&users).as_bytes()).unwrap();
        prop_assert_eq!(parsed.template, Template::Roster);
        let mut expected_row = 2;
        for (user, got) in users.iter().zip(&parsed.rows) {
            let got = got.as_ref().map_err(|error| error.to_string());
            let got = got.map_err(TestCaseError::fail)?;
            prop_assert_eq!(got.row, expected_row);
            prop_assert_eq!(got.user_principal_name.as_ref(), user.user_principal_name.as_ref());
            prop_assert_eq!(got, &UserRow { row: expected_row, ..user.clone() });
            expected_row += 1 + user
                .street_address
                .as_deref()
                .map_or(0, |address| address.matches('\n').count());
        }
        prop_assert_eq!(parsed.rows.len(), users.len());
    }
}
