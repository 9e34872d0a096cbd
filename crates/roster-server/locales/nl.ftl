# roster-beheercentrum: Nederlands.
product-name = Beheercentrum
language-en = English
language-nl = Nederlands
sign-out = Afmelden
nav-label = Navigatie
nav-home = Start
nav-users = Actieve gebruikers
nav-audit = Auditlogboek
nav-sign-ins = Aanmeldingslogboek

sign-in-title = Aanmelden
sign-in-intro = Meld u aan met uw beheerdersaccount.
sign-in-username = Gebruikersnaam
sign-in-password = Wachtwoord
sign-in-submit = Aanmelden
sign-in-invalid = Uw account of wachtwoord is onjuist.
sign-in-blocked = Aanmelden is voor uw account geblokkeerd. Vraag een andere beheerder om de blokkering op te heffen.
sign-in-locked = Uw account is tijdelijk vergrendeld om onbevoegd gebruik te voorkomen. Probeer het later opnieuw.
sign-in-busy = Er worden op dit moment te veel aanmeldingen gecontroleerd. Wacht even en probeer het opnieuw.
sign-in-not-an-administrator = Dit account heeft geen beheerdersrol en kan het beheercentrum daarom niet gebruiken.
sign-in-unavailable = Aanmelden is nu niet mogelijk. Probeer het zo opnieuw.

error-title = Er is iets misgegaan
error-forbidden-title = Toegang geweigerd
error-not-found-title = Niet gevonden
error-forbidden = Uw beheerdersrol staat dit niet toe.
error-internal = De server kon de aanvraag niet voltooien. Noem aanvraag { $request } aan uw beheerder.
error-no-such-user = Deze gebruiker bestaat niet of is verwijderd.
error-no-such-page = Deze pagina bestaat niet.
error-gone = Wat hier werd gevraagd, bestaat niet meer: het is misschien intussen verwijderd. Laad de pagina opnieuw.
error-busy = De directory is bezig met andere wijzigingen aan dezelfde objecten: probeer het zo nog eens.
error-throttled = Er wachten te veel aanvragen op de server: probeer het zo nog eens.
error-back-home = Terug naar de startpagina
api-conflict = { $property ->
    [userPrincipalName] Een andere gebruiker heeft deze gebruikersnaam al.
    [mailNickname] Een ander object heeft deze alias al.
    [mail] Een ander object heeft dit e-mailadres al.
   *[other] Een ander object heeft al dezelfde waarde voor { $name }.
}
api-no-usage-location = Stel eerst de gebruikslocatie van de gebruiker in: welke licenties bruikbaar zijn, hangt ervan af.
api-out-of-seats = { $sku } heeft geen licenties meer over: voeg licenties toe op de pagina Licenties, of maak er vrij.
api-invalid = { $property } is ongeldig: { $problem }.
api-weak-password = Het wachtwoord is te zwak: gebruik minstens 8 tekens, met drie van hoofdletters, kleine letters, cijfers en symbolen.
api-unknown-domain = { $domain } is geen domein van deze organisatie: gebruik een van haar domeinen.
api-license-not-held = Deze licentie is hier niet toegewezen, dus er is niets te verwijderen.
api-not-enabled = { $sku } kan niet worden toegewezen zolang het abonnement de status { $status } heeft.
api-not-in-catalog = { $sku } is geen product uit de catalogus van Microsoft: geef de onderdeelcode van een product, zoals SPE_E3.
api-negative-seats = Het aantal licenties kan niet negatief zijn.
api-subscription-exists = De tenant heeft { $sku } al: wijzig in plaats daarvan het aantal licenties.
api-below-assigned = { $count ->
    [one] Van { $sku } is { $assigned } licentie toegewezen: verwijder licenties voordat u het aantal daaronder brengt.
   *[other] Van { $sku } zijn { $assigned } licenties toegewezen: verwijder licenties voordat u het aantal daaronder brengt.
}
api-already-member = Is al lid van deze groep.
api-already-owner = Is al eigenaar van deze groep.
api-dynamic-members = De leden van een dynamische groep volgen de regel van de groep: ze kunnen niet met de hand worden toegevoegd of verwijderd.
api-own-group = Een groep kan geen lid van zichzelf zijn.
api-only-users-own = Alleen gebruikers kunnen eigenaar van een groep zijn.
api-own-manager = Een gebruiker kan niet zijn eigen manager zijn.
api-manager-loop = Die manager valt, direct of indirect, onder deze gebruiker: de keten van managers zou een kring vormen.
api-last-global-administrator = Dit is de laatste globale beheerder: geef de rol eerst aan iemand anders.
api-form-expired = Het formulier is verlopen: laad de pagina opnieuw en probeer het nog eens.
problem-not-guid = “{ $text }” is geen GUID
problem-domain = het domein “{ $text }” { $fault }
problem-domain-fault = { $fault ->
    [length] moet 1 tot 253 tekens hebben
    [labels] heeft minstens twee delen nodig, zoals contoso.example
    [label] heeft een leeg deel of een deel langer dan 63 tekens
    [characters] mag alleen letters, cijfers, koppeltekens en punten bevatten
   *[hyphen] heeft een deel dat met een koppelteken begint of eindigt
}
problem-no-at = “{ $text }” bevat geen @: schrijf het als alias@domein
problem-alias-length = het deel vóór @ moet 1 tot { $max } tekens hebben
problem-too-long = het is langer dan { $max } tekens
problem-character-before-at = het teken “{ $character }” is niet toegestaan vóór @
problem-alias-dots = het deel vóór @ mag niet met een punt beginnen of eindigen, en geen twee punten achter elkaar hebben
problem-upn-domain = het domein { $fault }
problem-length = het moet 1 tot { $max } tekens hebben
problem-character = het teken “{ $character }” is niet toegestaan
problem-not-country = “{ $text }” is geen landcode van twee letters zoals NL of US
problem-not-one-of = “{ $text }” is niet een van { $choices }
problem-out-of-range = het moet van { $min } tot en met { $max } zijn
problem-not-redirect-uri = “{ $text }” is geen omleidings-URI die dit platform accepteert: gebruik een absoluut https-adres zonder fragment of jokerteken (http alleen voor localhost; een desktop- of mobiele app mag een eigen schema gebruiken)
problem-duplicate = “{ $text }” komt twee keer voor: elke waarde moet uniek zijn
problem-still-enabled = “{ $text }” is nog ingeschakeld: schakel het uit voordat u het verwijdert
problem-too-many = er mogen er hoogstens { $max } zijn
problem-not-mail = “{ $text }” is geen e-mailadres
problem-not-date-time = “{ $text }” is geen datum en tijd zoals 2024-01-31T00:00:00Z
problem-expected = { $kind ->
    [text] het moet tekst zijn
    [list] het moet een lijst van teksten zijn
    [date] het moet een datum en tijd zijn
   *[bool] het moet true of false zijn
}
license-mutually-exclusive = De serviceplannen { $first } en { $second } kunnen niet aan dezelfde gebruiker worden toegewezen: schakel er een uit.
license-dependency = Het serviceplan { $plan } werkt alleen als een van { $requires } is ingeschakeld.
license-prohibited-location = Het serviceplan { $plan } is niet beschikbaar in gebruikslocatie { $location }: schakel het uit, of wijzig de gebruikslocatie.
license-unknown-sku = { $sku } is geen product van deze tenant.
license-unknown-plan = Het serviceplan { $plan } hoort niet bij deze licentie.

home-title = Start
home-users-total = Actieve gebruikers
home-users-unlicensed = Gebruikers zonder licentie
home-users-blocked = Geblokkeerde gebruikers
home-users-guests = Gasten
home-seats = Licenties per abonnement
home-seats-used = { $used } van { $total } toegewezen
home-no-subscriptions = De organisatie heeft nog geen abonnementen.
home-job-progress = { $done } van { $total } rijen
home-recent = Recente wijzigingen
home-recent-all = Auditlogboek bekijken
home-no-changes = Er is nog niets gewijzigd.

users-title = Actieve gebruikers
users-bad-link = Deze koppeling naar de lijst met gebruikers is ongeldig (misschien bewerkt, of van een oudere versie): open Actieve gebruikers opnieuw.
users-search = Zoeken op naam, gebruikersnaam of e-mail
users-found = { $count ->
    [one] { $shown } gebruiker
   *[other] { $shown } gebruikers
}
users-any = Alle
users-apply = Toepassen
users-clear = Filters wissen
users-choose-columns = Kolommen kiezen
users-select-all = Alle gebruikers op deze pagina selecteren
users-unlicensed = Zonder licentie
users-license-through = { $license } (via { $group })
users-status-enabled = Aanmelden toegestaan
users-status-blocked = Aanmelden geblokkeerd
users-type = Gebruikerstype
users-type-member = Lid
users-type-guest = Gast
users-source = Bron
users-source-cloud = Cloud
users-source-synced = Gesynchroniseerd vanuit on-premises
users-col-name = Weergavenaam
users-col-upn = Gebruikersnaam
users-col-licenses = Licenties
users-col-department = Afdeling
users-col-job-title = Functie
users-col-country = Land of regio
users-col-city = Plaats
users-col-office = Kantoor
users-col-mobile = Mobiele telefoon
users-col-usage-location = Gebruikslocatie
users-col-status = Aanmeldstatus
users-col-created = Gemaakt
users-first-page = Eerste pagina
users-next-page = Volgende pagina
users-with-selected = Met de geselecteerde gebruikers:
users-group = Groep
users-run-action = Uitvoeren

details-account = Account
details-licenses = Licenties en apps
details-groups = Groepen
details-contact = Contactgegevens
details-change-upn = Gebruikersnaam
details-change-manager = Gebruikersnaam van de manager
details-manager-placeholder = Leeg voor geen manager
details-save = Opslaan
details-apps-switch = Apps van deze licentie (zet uit wat de gebruiker niet mag hebben)
details-no-such-manager = Geen actieve gebruiker heeft deze gebruikersnaam.
details-given-name = Voornaam
details-surname = Achternaam
details-manager = Manager
details-none = Geen
details-product = Product
details-assigned = Toegewezen
details-state = Status
details-apps = Apps
details-apps-on = { $on } van { $total } apps aan
details-direct = Rechtstreeks
details-inherited = Via { $group }
details-state-active = Actief
details-state-error = Fout
details-no-groups = Geen lid van een groep.
details-mail = E-mail
details-other-mails = Alternatieve e-mailadressen
details-business-phones = Telefoon kantoor
details-street = Adres
details-postal-code = Postcode

action-block = Aanmelden blokkeren
action-unblock = Blokkering van aanmelden opheffen
action-reset-password = Wachtwoord opnieuw instellen
action-revoke-sessions = Afmelden bij alle sessies
action-delete = Gebruiker verwijderen
action-assign-license = Licentie toewijzen
action-remove-license = Licentie verwijderen
action-add-to-group = Toevoegen aan groep
action-summary = { $done } gelukt, { $failed } mislukt.
action-passwords-once = De nieuwe wachtwoorden worden maar één keer getoond. Geef ze nu door: elk moet bij de volgende aanmelding worden gewijzigd.
action-user = Gebruiker
action-outcome = Resultaat
action-password = Nieuw wachtwoord
action-done = Gelukt
action-back = Terug naar actieve gebruikers
action-none-selected = Selecteer eerst ten minste één gebruiker.
action-too-many = Selecteer maximaal 1.000 gebruikers tegelijk, of gebruik een bulktaak.
action-not-yourself = U kunt dit niet met uw eigen account doen.
action-choose-license = Kies een licentie.
action-choose-group = Kies een groep.
action-unknown = Deze actie is onbekend.

audit-title = Auditlogboek
audit-when = Datum (UTC)
audit-actor = Uitgevoerd door
audit-operation = Activiteit
audit-all-activities = Alle activiteiten
audit-target = Doel
audit-change = Wijziging
audit-from = Van
audit-to = Tot en met
audit-show-change = Voor en na
audit-before = Voor
audit-after = Na
audit-shown = { $count ->
    [one] { $shown } record
   *[other] { $shown } records
}
audit-utc = Tijden zijn in UTC.
audit-bad-date = { $field }: voer een datum in als JJJJ-MM-DD.

nav-deleted = Verwijderde gebruikers
nav-licenses = Licenties
deleted-title = Verwijderde gebruikers
deleted-intro = Verwijderde gebruikers kunnen { $days } dagen lang met hun licenties en groepen worden hersteld; daarna worden ze definitief verwijderd.
deleted-when = Verwijderd
deleted-restore = Herstellen
deleted-purge = Definitief verwijderen
deleted-back = Terug naar verwijderde gebruikers

licenses-title = Licenties
licenses-bought = Gekocht
licenses-assigned = Toegewezen
licenses-available = Beschikbaar
licenses-in-error = Met fouten
licenses-status = Status
licenses-groups = Toegewezen via groepen
licenses-plans = { $count ->
    [one] { $shown } serviceplan
   *[other] { $shown } serviceplannen
}
licenses-seats = Licenties
licenses-change-seats = Aantal wijzigen
licenses-assign-to = Toewijzen aan
licenses-assign-user = een gebruiker (gebruikersnaam)
licenses-assign-group = een groep (de naam)
licenses-assign-name = Gebruikersnaam of groepsnaam
licenses-no-such-group = Geen groep van deze organisatie heeft precies deze naam.
licenses-ambiguous-group = Meer dan één groep heeft deze naam: wijs de licentie toe vanaf de pagina van de groep zelf.
licenses-buy = Een abonnement toevoegen
licenses-part-number = Product (SKU-onderdeelnummer)
licenses-buy-submit = Abonnement toevoegen
licenses-seats-invalid = Voer een geheel aantal licenties in: ten minste 1 om te kopen, ten minste 0 om te wijzigen.
licenses-status-enabled = Actief
licenses-status-suspended = Onderbroken
licenses-status-warning = Verloopt (respijtperiode)

nav-roles = Rollen
roles-title = Rollen
roles-assign = Een rol toewijzen
roles-user = Gebruikersnaam
roles-user-placeholder = naam@domein
roles-role = Rol
roles-assign-submit = Toewijzen
roles-remove = Verwijderen
roles-nobody = Niemand heeft deze rol.
roles-unknown-role = Kies een van de rollen in de lijst.
roles-unknown-user = Geen gebruiker van deze organisatie heeft deze gebruikersnaam.
roles-choose = Kies een rol
roles-what-each-may-do = Wat elke rol mag
role-description-global-administrator = Alles, ook rollen, domeinen, abonnementen en de instellingen van de organisatie.
role-description-user-administrator = Maakt, wijzigt, verwijdert en herstelt gebruikers, beheert groepen en contactpersonen en wijst licenties toe; stelt wachtwoorden opnieuw in en blokkeert het aanmelden van gebruikers zonder rol en van gebruikers-, helpdesk- en groepsbeheerders.
role-description-helpdesk-administrator = Stelt wachtwoorden opnieuw in, blokkeert het aanmelden en beëindigt de sessies van gebruikers zonder rol en van andere helpdeskbeheerders.
role-description-license-administrator = Wijst licenties toe en neemt ze af, stelt gebruikslocaties in en beheert abonnementen.
role-description-groups-administrator = Maakt, wijzigt en verwijdert groepen en beheert hun leden.
role-description-global-reader = Leest alles, ook het auditlogboek, en wijzigt niets.
role-global-administrator = Globale beheerder
role-user-administrator = Gebruikersbeheerder
role-helpdesk-administrator = Helpdeskbeheerder
role-license-administrator = Licentiebeheerder
role-groups-administrator = Groepsbeheerder
role-global-reader = Globale lezer

new-user-title = Een gebruiker toevoegen
new-user-step-basics = Basisgegevens
new-user-step-licenses = Productlicenties
new-user-step-optional = Optionele instellingen
new-user-step-finish = Voltooien
new-user-alias = Gebruikersnaam
new-user-domain-label = Domein
new-user-domain = Kies een van de domeinen van de organisatie.
new-user-state = Provincie
new-user-password = Wachtwoord
new-user-password-generate = Automatisch een wachtwoord maken
new-user-password-own = Ik wil het wachtwoord zelf maken
new-user-force-change = Deze gebruiker moet het wachtwoord wijzigen bij de eerste aanmelding
new-user-licenses = Productlicenties toewijzen
new-user-no-licenses = De gebruiker zonder productlicenties maken.
new-user-available = { $available } van { $total } beschikbaar
new-user-required = Dit veld is verplicht.
new-user-usage-location = Kies het land of de regio waar de gebruiker de licenties gebruikt.
new-user-next = Volgende
new-user-back = Vorige
new-user-finish = Toevoegen voltooien
new-user-done-title = Gebruiker toegevoegd
new-user-created = { $user } is toegevoegd.
new-user-password-once = Het wachtwoord wordt alleen deze keer getoond: geef het nu aan de gebruiker. Het moet bij de eerste aanmelding worden gewijzigd.
new-user-another = Nog een gebruiker toevoegen

nav-groups = Groepen
groups-title = Groepen
groups-add = Een groep toevoegen
groups-search = Groepen zoeken op naam
groups-found = { $count ->
    [one] { $shown } groep
   *[other] { $shown } groepen
}
groups-name = Naam
groups-kind = Groepstype
groups-kind-m365 = Microsoft 365
groups-kind-security = Beveiliging
groups-kind-mail-security = Beveiliging met e-mail
groups-kind-distribution = Distributie
groups-membership = Lidmaatschapstype
groups-assigned = Toegewezen
groups-dynamic = Dynamisch
groups-rule-needs-dynamic = Een regel bepaalt alleen de leden van een dynamische groep: kies “Dynamisch” als lidmaatschapstype, of maak de regel leeg.
groups-mail = E-mail
groups-description = Beschrijving
groups-nickname = E-mailalias
groups-rule = Regel voor dynamisch lidmaatschap
groups-rule-hint = Bijvoorbeeld: (user.department -eq "Sales") -and (user.country -eq "Netherlands")
groups-rule-valid = De regel is geldig.
groups-rule-invalid = De regel is ongeldig op positie { $position }: { $detail }
rule-found-end = het einde van de regel
rule-found-list = een lijst
rule-too-long = een regel mag hoogstens { $max } tekens hebben, deze heeft er { $length }
rule-dash-alone = verwacht een operator zoals -eq of -and na '-'
rule-curly-quote = onverwacht teken '{ $character }': zet teksten tussen rechte dubbele aanhalingstekens (")
rule-character = onverwacht teken '{ $character }'
rule-unterminated = tekst niet afgesloten: de { $quote } hier heeft geen afsluitende { $quote }
rule-too-deep = de regel nest haakjes, -not en -any meer dan { $max } niveaus diep
rule-unmatched-close = ')' gevonden zonder bijbehorende '('
rule-expected-direct-reports = verwacht Direct Reports for "<object-id van de manager>", gevonden: { $found }
rule-manager-id = verwacht de object-id van de manager (een GUID), gevonden: "{ $text }"
rule-direct-reports-combined = een Direct Reports-regel kan niet met andere voorwaarden worden gecombineerd
rule-direct-reports-combined-found = een Direct Reports-regel kan niet met andere voorwaarden worden gecombineerd, gevonden: { $found }
rule-between-conditions = verwacht -and of -or tussen twee voorwaarden, gevonden: { $found }
rule-expected-end = verwacht -and, -or of het einde van de regel, gevonden: { $found }
rule-expected-close = verwacht -and, -or of ')' om de '(' op positie { $open } te sluiten, gevonden: { $found }
rule-expected-condition = verwacht een voorwaarde zoals user.department -eq "Sales", gevonden: { $found }
rule-not-before-operator = verwacht een operator zoals -eq na { $name }, gevonden: { $found }. -not keert een hele voorwaarde om, zoals in -not ({ $name } -eq null); om te vergelijken schrijft u { $name } -ne …
rule-unknown-operator-dates = onbekende operator -{ $word } na { $name }: datums vergelijkt u met -ge en -le
rule-unknown-operator = onbekende operator -{ $word } na { $name }: de operators zijn { $operators }
rule-expected-operator = verwacht een operator zoals -eq na { $name }, gevonden: { $found }
rule-expected-item = verwacht _ (een item van { $list }) binnen -any of -all, gevonden: { $found }
rule-unknown-item-property = onbekende eigenschap { $name }: een item van { $list } heeft { $fields }
rule-expected-plan-field = verwacht { $fields } (een item van { $list }) binnen -any of -all, gevonden: { $found }
rule-item-alone = { $name } staat voor een item van een -any- of -all-voorwaarde, zoals in user.proxyAddresses -any (_ -startsWith "smtp:"), en kan niet los staan
rule-now-alone = system.now is een waarde: vergelijk er een datum mee, zoals in user.employeeHireDate -ge system.now
rule-device = { $name } wordt niet ondersteund: de dynamische groepen van roster bevatten gebruikers, geen apparaten
rule-custom-extension = { $name } wordt niet ondersteund: roster kent geen eigen extensie-eigenschappen; user.extensionAttribute1 tot en met user.extensionAttribute15 wel
rule-unknown-property = onbekende eigenschap { $name }
rule-unknown-property-suggestion = onbekende eigenschap { $name } (bedoelt u user.{ $known }?)
rule-not-evaluated = { $name } wordt niet ondersteund: { $why ->
    [member-of] roster evalueert geen regels over het lidmaatschap van andere groepen; neem in plaats daarvan de voorwaarden van die groepen over
   *[sid] roster bewaart geen on-premises beveiligings-id's
}
rule-misfit = operator { $op } is niet van toepassing op { $name }, dat { $kind ->
    [text] tekst
    [list] een lijst van teksten
    [date] een datum
    [bool] true of false
   *[plans] een lijst van toegewezen plannen
} is: { $advice }
rule-advice = { $advice ->
    [many] -any en -all gelden voor eigenschappen met meerdere waarden, zoals user.proxyAddresses, user.otherMails en user.assignedPlans
    [dates] -ge en -le vergelijken datums, zoals user.employeeHireDate
    [eq-ne] vergelijk met -eq of -ne
   *[eq-ne-ge-le] vergelijk met -eq, -ne, -ge of -le
}
rule-advice-items = test de items met -any of -all, zoals in { $name } -any (assignedPlan.capabilityStatus -eq "Enabled")
rule-expected-after = verwacht { $expected ->
    [bool] true of false
    [date] een datum zoals 2024-01-31T00:00:00Z
    [now] een datum zoals 2024-01-31T00:00:00Z of system.now
    [text] een tekst zoals "Sales"
    [in-list] een tekst in de lijst
   *[list] een lijst zoals ["a","b"]
} na { $name } { $op }, gevonden: { $found }
rule-note-null = (null kan alleen met -eq of -ne worden vergeleken)
rule-note-quote = (zet tekst tussen dubbele aanhalingstekens)
rule-bare-word = verwacht een waarde zoals "Sales", null, true of false, gevonden: { $word }. Zet tekst tussen dubbele aanhalingstekens
rule-expected-close-paren = verwacht ')' om de '(' op positie { $open } te sluiten, gevonden: { $found }
rule-expected-value = verwacht een waarde zoals "Sales", null, true of false, gevonden: { $found }
rule-expected-in-list = verwacht een tekst in de lijst, gevonden: { $found }
rule-expected-list-end = verwacht ',' of ']' om de lijst te sluiten die op positie { $open } begint, gevonden: { $found }
rule-expected-duration = verwacht een duur zoals p30d of pt12h na { $sign }, gevonden: { $found }
rule-duration-overflow = de duren samen zijn meer dan te tellen is
rule-regex = ongeldige reguliere expressie "{ $pattern }": { $problem }
rule-regex-unclosed-group = een ( wordt niet gesloten
rule-regex-unopened-group = een ) sluit niets af
rule-regex-unclosed-class = een [ wordt niet gesloten
rule-regex-nothing-to-repeat = een herhaling (*, + of ?) volgt op niets wat herhaald kan worden
rule-regex-bad-repetition = een herhalingsaantal moet gesloten zijn en hele getallen bevatten, het eerste niet groter dan het tweede
rule-regex-bad-escape = na een \ volgt niets, of een letter zonder betekenis
rule-regex-backward-range = een bereik in [...] loopt achteruit
rule-regex-backreference = terugverwijzingen (\1) worden niet ondersteund
rule-regex-look-around = vooruit- en terugkijken (look-ahead, look-behind) worden niet ondersteund
groups-create = Groep maken
groups-preview = Leden bekijken
groups-preview-changes = Wijzigingen bekijken
groups-save-rule = Regel opslaan
groups-preview-matched = { $count ->
    [one] De regel neemt { $shown } gebruiker op.
   *[other] De regel neemt { $shown } gebruikers op.
}
groups-preview-joining = Zouden lid worden: { $shown }.
groups-preview-leaving = Zouden vertrekken: { $shown }.
groups-preview-licenses = { $sku }: { $granted } zouden hem krijgen, { $removed } zouden hem verliezen; { $available } licenties beschikbaar.
groups-processing = Verwerking van de regel
groups-members = Leden
groups-owners = Eigenaren
groups-add-owner = Eigenaar toevoegen
groups-license-processing = Licentieverwerking
groups-license-state = { $state ->
    [QueuedForProcessing] wacht op verwerking
    [ProcessingInProgress] bezig
   *[ProcessingComplete] voltooid
}
groups-license-errors = Leden bij wie de licenties van deze groep niet zijn toegekend
groups-license-errors-count = { $count ->
    [one] { $total } lid, { $shown } getoond
   *[other] { $total } leden, { $shown } getoond
}
groups-license-errors-next = De volgende leden
groups-add-member = Lid toevoegen
groups-more-members = De eerste { $shown } leden, op naam.
groups-no-such-group = Deze groep bestaat niet of is verwijderd.

import-title = Meerdere gebruikers toevoegen
import-intro = Upload een CSV-bestand: de sjabloon "Meerdere gebruikers toevoegen" van het Microsoft 365-beheercentrum, de sjabloon "Bulksgewijs maken" van Entra, of een bestand dat roster heeft geëxporteerd. U ziet wat elke rij zou doen voordat er iets wordt opgeslagen.
import-file = CSV-bestand
import-no-file = Kies een CSV-bestand om te uploaden.
import-not-read = De upload kon niet worden gelezen: kies het bestand en verstuur het opnieuw.
import-too-large = Het bestand is groter dan { $size } MB, het maximum voor deze pagina. Splits het, of importeer het met de roster-CLI (roster import users), die bestanden van elke grootte aanneemt.
import-passwords-generate = Voor elke gebruiker een wachtwoord maken
import-passwords-file = De wachtwoorden uit het bestand gebruiken (waar een rij er geen heeft, wordt er een gemaakt)
import-license = Productlicentie voor elke gebruiker
import-group = Elke gebruiker aan de groep toevoegen
import-check = Het bestand controleren
import-check-title = Het bestand controleren
import-summary = Gelezen als { $template }: { $count ->
    [one] { $would } gebruiker zou worden toegevoegd
   *[other] { $would } gebruikers zouden worden toegevoegd
}, { $failing-count ->
    [one] { $failing } rij niet.
   *[other] { $failing } rijen niet.
}
import-start = { $count ->
    [one] { $shown } gebruiker toevoegen
   *[other] { $shown } gebruikers toevoegen
}
import-another = Een ander bestand uploaden
import-row = Rij
import-would-create = Zou worden toegevoegd
import-unchanged = Bestaat al: niets te doen
import-column = Kolom { $column }:
import-job-title = Gebruikers toevoegen
import-running = Bezig:
import-finished = Klaar:
import-failed-rows = { $failed } mislukt
import-kind = Soort
import-download = De resultaten downloaden
import-passwords-once = Het resultatenbestand bevat de nieuwe wachtwoorden; ze worden een dag bewaard en alleen u kunt ze downloaden.
import-no-job = Deze taak bestaat niet.
job-kind = { $kind ->
    [createUsers] Gebruikers toevoegen
    [updateUsers] Gebruikers bijwerken
    [resetPasswords] Wachtwoorden opnieuw instellen
    [blockUsers] Aanmelden blokkeren
    [unblockUsers] Aanmelden deblokkeren
    [revokeSessions] Afmelden bij alle sessies
    [deleteUsers] Gebruikers verwijderen
    [restoreUsers] Gebruikers herstellen
    [purgeUsers] Gebruikers definitief verwijderen
    [setManager] Managers instellen
    [changeDomain] Domeinen wijzigen
    [assignLicenses] Licenties toewijzen
    [removeLicenses] Licenties verwijderen
    [addToGroups] Aan groepen toevoegen
   *[removeFromGroups] Uit groepen verwijderen
}
groups-processing-on = Aan: de leden volgen de regel
groups-processing-paused = Onderbroken: de leden blijven zoals ze zijn
groups-pause = Onderbreken
groups-resume = Hervatten

license-error-None = Geen fout
license-error-CountViolation = niet genoeg licenties
license-error-MutuallyExclusiveViolation = botst met een andere licentie van de gebruiker
license-error-DependencyViolation = vereist een licentie die de gebruiker niet heeft
license-error-ProhibitedInUsageLocationViolation = niet beschikbaar op de gebruikslocatie van de gebruiker, of de gebruikslocatie ontbreekt
license-error-UniquenessViolation = de gebruiker heeft deze licentie al op een andere manier
license-error-Other = een andere fout

change-password-title = Uw wachtwoord bijwerken
change-password-intro = U moet uw wachtwoord bijwerken omdat u zich voor het eerst aanmeldt, of omdat uw wachtwoord opnieuw is ingesteld.
change-password-current = Huidig wachtwoord
change-password-new = Nieuw wachtwoord
change-password-confirm = Wachtwoord bevestigen
change-password-submit = Wachtwoord bijwerken en aanmelden
change-password-mismatch = De nieuwe wachtwoorden komen niet overeen.
change-password-same = Het nieuwe wachtwoord moet anders zijn dan het huidige.

activity-add-app-role-assignment-grant-to-user = Toepassingsrol aan gebruiker toewijzen
activity-add-app-role-assignment-to-group = Toepassingsrol aan groep toewijzen
activity-remove-app-role-assignment-from-group = Toepassingsrol van groep verwijderen
activity-remove-app-role-assignment-from-user = Toepassingsrol van gebruiker verwijderen
activity-update-service-principal = Service-principal bijwerken
activity-add-application = Toepassing toevoegen
activity-add-contact = Contactpersoon toevoegen
activity-add-domain = Domein toevoegen
activity-add-group = Groep toevoegen
activity-add-member-to-group = Lid aan groep toevoegen
activity-add-member-to-role = Lid aan rol toevoegen
activity-add-members-to-group = Leden aan groep toevoegen
activity-add-owner-to-group = Eigenaar aan groep toevoegen
activity-add-subscription = Abonnement toevoegen
activity-add-user = Gebruiker toevoegen
activity-change-group-license = Groepslicentie wijzigen
activity-change-user-license = Gebruikerslicentie wijzigen
activity-create-tenant = Organisatie maken
activity-delete-contact = Contactpersoon verwijderen
activity-delete-group = Groep verwijderen
activity-delete-user = Gebruiker verwijderen
activity-finish-group-processing = Groepsverwerking voltooid
activity-hard-delete-group = Groep definitief verwijderen
activity-hard-delete-user = Gebruiker definitief verwijderen
activity-remove-manager = Manager verwijderen
activity-remove-member-from-group = Lid uit groep verwijderen
activity-remove-member-from-role = Lid uit rol verwijderen
activity-remove-members-from-group = Leden uit groep verwijderen
activity-remove-owner-from-group = Eigenaar uit groep verwijderen
activity-reset-user-password = Gebruikerswachtwoord opnieuw instellen
activity-restore-group = Groep herstellen
activity-restore-user = Gebruiker herstellen
activity-revoke-sign-in-sessions = Aanmeldingssessies intrekken
activity-set-manager = Manager instellen
activity-start-group-processing = Groepsverwerking gestart
activity-submit-bulk-job = Bulktaak ingediend
activity-update-contact = Contactpersoon bijwerken
activity-update-group = Groep bijwerken
activity-update-subscription = Abonnement bijwerken
activity-set-company-information = Bedrijfsgegevens instellen
activity-update-tenant-settings = Tenantinstellingen bijwerken
activity-update-user = Gebruiker bijwerken

-csv-save-as = sla het op als CSV UTF-8 (in Excel: "CSV UTF-8 (door komma's gescheiden)")
csv-template = { $template ->
    [admin] de sjabloon van het Microsoft 365-beheercentrum
    [entra] de sjabloon "Bulksgewijs maken" van Entra
   *[roster] het exportformaat van roster
}
csv-at-row-column = rij { $row }, kolom '{ $column }': { $problem }
csv-at-row = rij { $row }: { $problem }
csv-at-column = kolom '{ $column }': { $problem }
csv-utf16 = het bestand is UTF-16: { -csv-save-as }
csv-nul-bytes = het bestand bevat NUL-bytes, zoals UTF-16: { -csv-save-as }
csv-nul = een NUL-teken (U+0000), dat geen enkele waarde mag bevatten
csv-not-utf8 = het bestand is geen UTF-8: byte { $byte } op byte-positie { $offset } is geen geldige UTF-8 (zo ziet Windows-1252, de gewone "CSV" van Excel, eruit); { -csv-save-as }
csv-empty = het bestand is leeg
csv-entra-version = versie '{ $version }' van de Entra-sjabloon wordt niet ondersteund: roster leest version:v1.0
csv-no-header-after-version = het bestand heeft de versieregel van de Entra-sjabloon, maar geen kopregel daarna
csv-not-csv = het bestand kan niet als CSV worden gelezen: { $error }
csv-unknown-header-entra = het bestand begint met de versieregel van de Entra-sjabloon, maar de kopregel heeft geen van de kolommen van die sjabloon, zoals 'User name [userPrincipalName] Required'; gevonden: { $found }
csv-unknown-header = roster kan deze kopregel niet lezen; gevonden: { $found }; verwacht: { $admin } ({ $admin-columns }, …), { $entra } (een regel version:v1.0, dan kolomkoppen zoals 'User name [userPrincipalName] Required') of { $roster } ({ $roster-columns }, …)
csv-one-column = ; de kopregel heeft maar één kolom: roster leest bestanden die gescheiden zijn door komma's, puntkomma's of tabs
csv-no-edit-columns = de kopregel noemt geen van de kolommen die bulk { $operation } leest; gevonden: { $found }; verwacht: { $expected }
csv-expected-columns = een gebruikerskolom ({ $users } of { $ids })
csv-expected-columns-and = een gebruikerskolom ({ $users } of { $ids }) en { $columns }
csv-header-template = de kopregel lijkt op { $template }, maar { $problems }
csv-header-edit = de kopregel past niet: { $problems }
csv-same-field = de kolommen { $first } ('{ $first-name }') en { $second } ('{ $second-name }') bevatten allebei { $holds }
csv-holds-user = de gebruiker
csv-holds-user-id = de id van de gebruiker
csv-missing = { $count ->
    [one] de verplichte kolom { $names } ontbreekt
   *[other] de verplichte kolommen { $names } ontbreken
}
csv-missing-or-flag = de kolom '{ $column }' ontbreekt: voeg die toe, of geef { $flag } voor elke rij
csv-no-user-column = geen kolom noemt de gebruiker: voeg er een toe met de naam { $users } (een user principal name of id) of { $ids } (een id)
csv-nothing-to-change = het bestand heeft geen kolom om te wijzigen; bulk { $operation } wijzigt { $columns }
csv-not-in-template = { $count ->
    [one] de kolom { $names } staat niet in { $template } (die heeft de kolommen { $columns })
   *[other] de kolommen { $names } staan niet in { $template } (die heeft de kolommen { $columns })
}
csv-not-read = { $count ->
    [one] de kolom { $names } wordt niet gelezen door bulk { $operation } (die leest { $expected })
   *[other] de kolommen { $names } worden niet gelezen door bulk { $operation } (die leest { $expected })
}
csv-field-count = de rij heeft { $found } velden, maar de kopregel heeft er { $expected }
csv-open-quote = (het record loopt van regel { $first } tot regel { $last }: staat er een aanhalingsteken open?)
csv-required = een waarde is verplicht
csv-required-or-flag = een waarde is verplicht (of geef { $flag } voor elke rij)
csv-no-user = een waarde is verplicht: de rij noemt geen gebruiker
csv-too-long = de waarde heeft { $length } tekens; het maximum is { $limit }
csv-line-break = de waarde bevat een regeleinde, en dat mag alleen in een adres
csv-too-many-values = { $count } waarden gescheiden door ';'; het maximum is { $limit }
csv-value-without-header = een waarde in een kolom zonder kolomkop: geef de kolom een kop of verwijder de waarde
csv-ignored-value = een waarde in een kolom die wordt genegeerd: geef de kolom een kop die bulk leest, of verwijder de waarde
csv-not-phone-character = '{ $text }' is geen telefoonnummer: '{ $character }' is niet toegestaan (gebruik cijfers, spaties, + - ( ) . / en x of ext vóór een toestelnummer)
csv-not-phone-digits = '{ $text }' is geen telefoonnummer: er staan geen cijfers in
csv-not-email = '{ $text }' is geen e-mailadres: { $fault ->
    [no-at] er staat geen '@' in
    [local] het deel vóór '@' is leeg of bevat een spatie of een van @ , ; < > ( ) [ ] \ "
   *[domain] het deel na '@' is geen domeinnaam
}
csv-not-yes-no = '{ $text }' is niet Yes of No
csv-not-true-false = '{ $text }' is niet true of false
csv-not-user-or-id = geen user principal name en geen object-id: { $problem }
csv-id-in-name-column = '{ $text }' is een id, maar de kolom '{ $column }' noemt de gebruiker al bij id: in deze kolom hoort een user principal name
csv-duplicate-user = '{ $text }' staat ook op rij { $row }: elke gebruiker mag maar één keer in een bestand staan
csv-duplicate-id = de id { $id } staat ook op rij { $row }: elke gebruiker mag maar één keer in een bestand staan
csv-not-clearable = { $clear } kan deze kolom niet leegmaken
country-choose = Kies een land of regio
import-location-from-file = Geen: alleen zoals elke rij zegt
import-usage-location = Gebruikslocatie voor rijen zonder

## Properties by their Graph names (forms, refusals, the audit log)
property-displayName = Weergavenaam
property-userPrincipalName = Gebruikersnaam
property-mailNickname = E-mailalias
property-accountEnabled = Aanmelden toegestaan
property-usageLocation = Gebruikslocatie
property-userType = Gebruikerstype
property-manager = Manager
property-password = Wachtwoord
property-givenName = Voornaam
property-surname = Achternaam
property-mail = E-mail
property-otherMails = Alternatieve e-mailadressen
property-proxyAddresses = E-mailaliassen
property-jobTitle = Functie
property-department = Afdeling
property-companyName = Bedrijf
property-employeeId = Personeelsnummer
property-employeeHireDate = Datum in dienst
property-officeLocation = Kantoor
property-businessPhones = Telefoon op kantoor
property-mobilePhone = Mobiele telefoon
property-faxNumber = Faxnummer
property-streetAddress = Adres
property-city = Plaats
property-state = Provincie of staat
property-postalCode = Postcode
property-country = Land of regio
property-preferredLanguage = Voorkeurstaal
property-passwordPolicies = Wachtwoordbeleid
property-onPremisesSyncEnabled = Gesynchroniseerd vanuit on-premises
property-onPremisesImmutableId = On-premises onveranderlijke ID
property-onPremisesDistinguishedName = On-premises distinguished name
property-onPremisesSamAccountName = On-premises accountnaam
property-onPremisesLastSyncDateTime = Laatst gesynchroniseerd
property-perUserMfaState = Meervoudige verificatie
property-mfaDefaultMethod = Standaard verificatiemethode
property-mfaAllowedMethods = Toegestane verificatiemethoden
property-authenticationPhone = Verificatietelefoon
property-authenticationAlternatePhone = Alternatieve verificatietelefoon
property-authenticationEmail = Verificatie-e-mail
property-description = Beschrijving
property-mailEnabled = E-mail ingeschakeld
property-securityEnabled = Beveiliging ingeschakeld
property-membershipRule = Lidmaatschapsregel
property-membershipRuleProcessingState = Verwerking van de regel
property-groupTypes = Groepstype
property-visibility = Privacy
property-assignedLicenses = Licenties
property-members = Leden
property-owners = Eigenaren
property-extensionAttribute1 = Extensiekenmerk 1
property-extensionAttribute2 = Extensiekenmerk 2
property-extensionAttribute3 = Extensiekenmerk 3
property-extensionAttribute4 = Extensiekenmerk 4
property-extensionAttribute5 = Extensiekenmerk 5
property-extensionAttribute6 = Extensiekenmerk 6
property-extensionAttribute7 = Extensiekenmerk 7
property-extensionAttribute8 = Extensiekenmerk 8
property-extensionAttribute9 = Extensiekenmerk 9
property-extensionAttribute10 = Extensiekenmerk 10
property-extensionAttribute11 = Extensiekenmerk 11
property-extensionAttribute12 = Extensiekenmerk 12
property-extensionAttribute13 = Extensiekenmerk 13
property-extensionAttribute14 = Extensiekenmerk 14
property-extensionAttribute15 = Extensiekenmerk 15
details-sections = Onderdelen van de gebruiker
details-roles = Rollen
details-no-roles = Geen beheerdersrollen.
details-synced = Deze gebruiker wordt gesynchroniseerd vanuit de on-premises directory: wijzig de eigenschappen daar. De gebruikslocatie, licenties en groepen wijzigt u hier.
details-remove-license = Licentie verwijderen
details-assign-license = Een licentie toewijzen
details-choose-license = Kies een product
details-assign = Toewijzen
details-dynamic-member = Lid volgens de regel van de groep
details-remove-from-group = Verwijderen
details-remove-from-named = Verwijderen uit { $group }
details-add-to-group = Aan een groep toevoegen
details-find-group = Begin van de naam van de groep
details-find = Zoeken
details-add-to-named = Toevoegen aan { $group }
details-no-such-group = Deze groep bestaat niet (meer).
details-unchanged = Er is niets gewijzigd: de waarden waren al opgeslagen.
details-saved = Opgeslagen: { $properties }.
details-password-reset = Het wachtwoord is opnieuw ingesteld.
details-password-once = Het nieuwe wachtwoord wordt alleen nu getoond: geef het nu aan de gebruiker.
details-password-must-change = De gebruiker moet het bij de volgende aanmelding wijzigen.
details-copy = Kopiëren
property-memberOf = Groepslidmaatschappen
property-roles = Rollen
delete-confirm-count = { $count ->
    [one] Deze gebruiker wordt verwijderd:
   *[other] Deze { $users } gebruikers worden verwijderd:
}
delete-confirm-more = en nog { $count }
delete-confirm-no-licenses = Er komen geen licenties vrij.
delete-confirm-licenses = Deze licenties komen vrij:
delete-confirm-restore = Ze kunnen zich direct niet meer aanmelden, en kunnen 30 dagen lang met hun licenties en groepen worden teruggezet vanuit Verwijderde gebruikers.
delete-confirm-button = Verwijderen
delete-confirm-cancel = Annuleren
details-copied = Gekopieerd
api-group-has-licenses = Deze groep geeft licenties aan haar leden: verwijder eerst de licenties, en daarna de groep.
groups-deleted = De groep is verwijderd.
groups-any-kind = Elk type
groups-any-membership = Toegewezen of dynamisch
groups-more = De eerste { $shown } groepen, op naam: zoek of filter om andere te vinden.
groups-find-person = Begin van een naam of gebruikersnaam
groups-delete = Groep verwijderen
groups-delete-title = { $group } verwijderen?
groups-to-licenses = Naar de licenties van de groep
groups-delete-consequences = { $count ->
    [one] Het lid verliest het lidmaatschap
   *[other] De { $members } leden verliezen hun lidmaatschap
}, en de eigenaren hun eigenaarschap.
groups-processing-pending = Bezig: de leden worden bepaald.
groups-members-pending = De leden volgens de regel worden bepaald: deze lijst is nog niet volledig.
groups-properties = Eigenschappen
groups-public = Openbaar: iedereen in de organisatie kan lid worden
groups-private = Privé: eigenaren bepalen wie lid wordt
groups-add-named-member = { $user } toevoegen
groups-add-named-owner = { $user } eigenaar maken
nav-contacts = Contactpersonen
contacts-title = Contactpersonen
contacts-add = Een contactpersoon toevoegen
contacts-search = Zoek contactpersonen op naam of e-mail
contacts-found = { $count ->
    [one] { $shown } contactpersoon
   *[other] { $shown } contactpersonen
}
contacts-deleted = De contactpersoon is verwijderd.
contacts-delete = Contactpersoon verwijderen
contacts-delete-consequences = De contactpersoon verdwijnt uit het adresboek. Contactpersonen komen niet in een prullenbak: dit kan niet ongedaan worden gemaakt.
contacts-no-such-contact = Deze contactpersoon bestaat niet, of is verwijderd.
nav-jobs = Bulkopdrachten
jobs-title = Bulkopdrachten
jobs-none = Nog geen bulkopdrachten: importeren en wijzigingen van veel gebruikers tegelijk verschijnen hier.
jobs-newest = { $count ->
    [one] De nieuwste opdracht
   *[other] De { $shown } nieuwste opdrachten
}
jobs-started = Gestart
jobs-ended = Beëindigd
jobs-progress = Voortgang
jobs-outcome = Uitkomst
jobs-running = Bezig
jobs-finished = Voltooid
jobs-finished-failed = Voltooid, { $failed } mislukt
jobs-rows = Rijen
jobs-all-rows = Alle rijen, in de volgorde van het bestand
jobs-failed-rows = Alleen mislukte rijen
jobs-no-rows = Geen rijen hier.
jobs-no-failed-rows = Hier is geen rij mislukt.
jobs-about = Gebruiker
jobs-why = Waarom
jobs-row-succeeded = Gedaan
jobs-row-unchanged = Niets te doen
jobs-row-failed = Mislukt
jobs-row-pending = Wacht
nav-settings = Instellingen
settings-title = Organisatie-instellingen
settings-read-only = Alleen een globale beheerder wijzigt deze instellingen.
settings-profile = Organisatieprofiel
settings-name = Naam van de organisatie
settings-location-hint = Nieuwe gebruikers krijgen deze als er geen is opgegeven: licenties hebben een gebruikslocatie nodig.
settings-contact-hint = Wie berichten krijgt over technische zaken van de organisatie.
settings-sign-in = Aanmelden
settings-range = Van { $min } tot en met { $max }.
settings-not-a-number = Geef een geheel getal.
property-defaultUsageLocation = Standaard gebruikslocatie
property-technicalContact = Technisch contactpersoon
property-lockoutThreshold = Mislukte aanmeldingen voor vergrendeling
property-lockoutDurationInSeconds = Duur van de vergrendeling in seconden
property-sessionLifetimeInSeconds = Duur van een sessie in het beheercentrum in seconden
settings-session-minutes = Duur van een sessie in het beheercentrum in minuten
property-signInLogRetentionInDays = Dagen dat het aanmeldingslogboek wordt bewaard
property-passwordGrantAllowed = Aanmelden met een wachtwoord bij het tokeneindpunt toestaan (de password grant)
settings-password-grant-hint = Een verouderde manier van aanmelden, waarbij een toepassing zelf om het wachtwoord vraagt. Zet dit uit om iedereen in de browser of met een apparaatcode te laten aanmelden.
property-deviceCodeFlowAllowed = Aanmelden met een apparaatcode toestaan (roster login, apps op apparaten zonder browser)
settings-device-code-hint = Een code die op het ene apparaat staat, wordt op een ander ingevoerd. Wie een gebruiker zo’n code stuurt, kan als die gebruiker worden aangemeld als die de code invoert: zet dit uit als niemand hier het gebruikt.
users-export = Gebruikers exporteren
audit-export = Exporteren naar CSV
audit-older = Oudere gebeurtenissen
audit-changes = { $count ->
    [one] 1 eigenschap gewijzigd
   *[other] { $shown } eigenschappen gewijzigd
}
audit-property = Eigenschap
audit-yes = ja
audit-no = nee
audit-apps-off = { $product } ({ $count ->
    [one] 1 app uit
   *[other] { $shown } apps uit
})
audit-password-reset = Het wachtwoord is opnieuw ingesteld (een wachtwoord wordt nooit vastgelegd).
audit-client-ip = IP-adres van de client
audit-request-id = Aanvraag-ID
home-attention = Vraagt aandacht
home-calm = Niets vraagt uw aandacht.
home-subscription-full = { $product } is vol: alle { $total } licenties zijn toegewezen.
home-subscription-filling = { $product } is bijna vol: nog { $left } van { $total } licenties over.
home-license-errors = { $group }: { $count ->
    [one] 1 lid bij wie de licenties van de groep niet zijn toegewezen
   *[other] { $members } leden bij wie de licenties van de groep niet zijn toegewezen
}
home-job-failed = { $kind } door { $who }: { $failed } van { $total } rijen mislukt
home-locked-out = { $user } kan zich niet aanmelden tot { $until }
home-about = Betreft
home-and-more = en { $count ->
    [one] nog 1
   *[other] nog { $shown }
}
property-member = Lid
property-memberId = Object-ID van het lid
property-owner = Eigenaar
property-ownerId = Object-ID van de eigenaar
skip-to-content = Naar de inhoud
nav-menu = Menu
home-members = { $count ->
    [one] 1 lid
   *[other] { $shown } leden
}
new-user-step-groups = Groepen
new-user-groups = De gebruiker aan groepen toevoegen
new-user-no-groups = Uw rol voegt geen leden aan groepen toe: de gebruiker wordt zonder groepen gemaakt.
new-user-no-groups-found = Geen groep met die naam, of alleen groepen waarvan een regel de leden bepaalt.
new-user-name-free = Deze gebruikersnaam is vrij.
new-user-name-taken = Een andere gebruiker heeft deze gebruikersnaam al.
new-user-open = De gebruiker openen
nav-domains = Domeinen
domains-title = Domeinen
domains-add = Een domein toevoegen
domains-add-submit = Domein toevoegen
domains-name = Domeinnaam
domains-status = Status
domains-status-verified = Geverifieerd
domains-status-unverified = Niet geverifieerd: nog geen gebruiker of groep kan het gebruiken
domains-default = standaard
domains-how-to-verify = Hoe te verifiëren
domains-make-default = Standaard maken
domains-remove = Verwijderen
domains-remove-title = { $domain } verwijderen?
domains-remove-consequences = Het domein verdwijnt uit de organisatie. Dat wordt geweigerd zolang gebruikers of groepen het nog gebruiken.
domains-verify-title = { $domain } verifiëren
domains-verify-how = Maak dit TXT-record aan bij de DNS-host van het domein en verifieer daarna. Een nieuw record kan even duren voordat het overal te zien is.
domains-record-type = Type
domains-record-name = Naam
domains-record-value = Waarde
domains-record-ttl = TTL (seconden)
domains-verify = Verifiëren
domains-added = Het domein is toegevoegd. Maak het TXT-record aan en verifieer het daarna.
domains-verified = Het domein is geverifieerd: gebruikers en groepen kunnen het nu gebruiken.
domains-default-set = Het standaarddomein is gewijzigd.
domains-removed = Het domein is verwijderd.
api-domain-not-verified = Nog geen TXT-record van het domein bevat “{ $text }”: maak het aan bij de DNS-host van het domein en verifieer opnieuw zodra het te zien is.
api-domain-unverified = { $domain } is nog niet geverifieerd: verifieer het eerst.
api-domain-in-use = Het domein wordt nog gebruikt door { $users } gebruikers en { $groups } groepen: verplaats ze eerst naar een ander domein.
api-default-domain = Dit is het standaarddomein: maak eerst een ander domein de standaard.
activity-remove-domain = Domein verwijderen
activity-set-default-domain = Standaarddomein instellen
activity-verify-domain = Domein verifiëren
users-pages = Pagina's van de lijst
users-page-of = Pagina { $page } van { $pages }
roles-done-assigned = De rol is toegewezen.
roles-done-removed = De rol is verwijderd.
licenses-done-assigned = De licentie is toegewezen.
licenses-done-saved = Het abonnement is opgeslagen.
domains-actions = Acties
property-id = Domeinnaam
details-deleted = Deze gebruiker is verwijderd op { $deleted } en staat in de prullenbak: tot { $until } kan die worden teruggezet, met de licenties en groepen.
users-all-matching = { $count ->
    [one] De ene gebruiker die de filters vinden
   *[other] Alle { $users } gebruikers die de filters vinden, niet alleen de geselecteerde
}
pages-previous = Vorige pagina
action-matching = { $count ->
    [one] Dit geldt voor de ene gebruiker die de filters van de lijst vinden.
   *[other] Dit geldt voor elke gebruiker die de filters van de lijst vinden: { $users } gebruikers.
}
action-list-changed = De lijst is veranderd sinds ze werd geteld: kijk opnieuw wat er gebeurt.
action-matching-job = Het loopt als bulktaak; de pagina daarvan volgt het, rij voor rij.
action-confirm-count = { $count ->
    [one] { $action } voor deze gebruiker:
   *[other] { $action } voor deze { $users } gebruikers:
}
action-confirm-remove-license = { $license }: nu in gebruik bij { $holders } van hen. Ze verliezen de apps ervan en de plaatsen komen vrij; waar de licentie via een groep komt, blijft ze tot de gebruiker de groep verlaat.
action-confirm-button = { $action } ({ $users })
groups-remove-member-title = { $member } uit { $group } verwijderen?
groups-remove-member-licenses = Ze verliezen de licenties die de groep geeft ({ $licenses }), tenzij ze die rechtstreeks of via een andere groep hebben; de plaatsen komen vrij.
groups-remove-member-no-licenses = De groep geeft geen licenties: ze houden al hun licenties.
groups-remove-named = { $member } verwijderen
groups-remove-license-title = { $license } verwijderen uit { $group }?
groups-remove-license-consequences = { $count ->
    [one] Het lid verliest { $license }, tenzij het die rechtstreeks of via een andere groep heeft; de plaats komt vrij.
   *[other] De { $members } leden verliezen { $license }, tenzij ze die rechtstreeks of via een andere groep hebben; de plaatsen komen vrij.
}
details-remove-license-title = { $license } verwijderen bij { $user }?
details-remove-license-consequences = De apps ervan werken niet meer voor de gebruiker, en er komt een plaats vrij.
details-remove-license-inherited = De gebruiker heeft deze licentie ook via een groep, en houdt ze via die groep.
deleted-purge-count = { $count ->
    [one] Deze gebruiker wordt definitief verwijderd:
   *[other] Deze { $users } gebruikers worden definitief verwijderd:
}
deleted-purge-final = Dit kan niet ongedaan worden gemaakt: ze kunnen daarna niet meer worden teruggezet, en hun licenties en groepslidmaatschappen verdwijnen met hen.
api-address-taken = { $address } is al het adres van een andere gebruiker of groep: elk adres hoort bij één van hen.
activity-delete-application = Toepassing verwijderen
activity-update-application = Toepassing bijwerken
activity-update-application-certificates-and-secrets-management = Toepassing bijwerken – certificaten en geheimen
authorize-intro = Meld u aan bij { $app } met uw werkaccount.
authorize-blocked = Uw account is geblokkeerd voor aanmelden. Vraag uw beheerder de blokkering op te heffen.
authorize-password-expired = Uw wachtwoord is verlopen en moet worden gewijzigd voordat u zich aanmeldt. Vraag uw beheerder om een nieuw wachtwoord.
logout-title = Afgemeld
logout-done = U bent afgemeld. U kunt dit venster sluiten.
device-title = Aanmelden op een ander apparaat
device-intro = Voer de code in die de toepassing op uw andere apparaat laat zien.
device-code = Code
device-next = Volgende
device-wrong-code = Die code is niet geldig of is verlopen. Controleer de code, of begin op uw apparaat opnieuw voor een nieuwe.
device-throttled = Er zijn hier te veel codes ingevoerd. Wacht een minuut en probeer het opnieuw.
device-sign-in-title = Aanmelden bij { $app }
device-sign-in-intro = { $app } op een ander apparaat vraagt om zich als u aan te melden.
device-warning = Ga alleen verder als u dit zelf hebt gestart, op een apparaat dat voor u staat. Heeft iemand u deze code gestuurd, meld u dan niet aan.
device-requested = Het verzoek kwam van het adres { $address } op { $when } (UTC). Is dat niet het apparaat voor u, meld u dan niet aan.
device-continue-as = Doorgaan als { $name }
device-other-account = Of meld u aan met een ander account
device-decline = Dit was ik niet: annuleren
device-done = U bent aangemeld bij { $app } op uw andere apparaat.
device-declined = De aanmelding is geannuleerd. Er is niets aangemeld.
device-close = U kunt dit venster sluiten.
sign-ins-title = Aanmeldingslogboek
sign-ins-user = Gebruiker
sign-ins-app = Toepassing
sign-ins-status = Status
sign-ins-kind = Soort
sign-ins-all = Alle
sign-ins-success = Geslaagd
sign-ins-failure = Mislukt
sign-ins-interactive = Interactief
sign-ins-noninteractive = Niet-interactief
sign-ins-older = Oudere aanmeldingen
sign-ins-shown = { $count ->
    [one] 1 aanmelding getoond.
   *[other] { $shown } aanmeldingen getoond.
}
