"""Prose of the seed tenants' policy pages, from their documents (seeds/000-003).

Tables (hours, holidays, response times, priorities, channels, maintenance windows) are not
here: the page generates them from the same rows that drive the clocks. Where a document is
silent on a section of the outline (seed 004) the text says so plainly instead of inventing
a promise. Such a section's text is empty: the page names every such section once, together,
instead of repeating "no statement" under each title.

Email addresses are not in the prose: the page shows the tenant's inbound address (the one the
helpdesk receives mail on) in "Channels" and "Contact", so the address given is the address that
opens tickets. Phone numbers and chat are prose (the product has no telephony to read them from).
"""

from __future__ import annotations

# The text every silent section carried before: load_seed_policy blanks it where it is still
# there word for word (never edited by the tenant), so old demo databases say it once too.
LEGACY_SILENT = (
    "This policy makes no separate statement on this topic; contact us with questions."
)

BITCRAFT = {
    "introduction": (
        "At TheBitCraft, we are committed to providing exceptional support services to our "
        "valued clients to ensure the seamless operation and maintenance of their software "
        "solutions. This Support Policy outlines the terms and conditions under which support "
        "services are provided, including the scope of support, response times, and "
        "communication channels."
    ),
    "scope": (
        "TheBitCraft offers support services for software solutions developed by our agency. "
        "This includes but is not limited to:\n"
        "- Bug fixes: rectifying any errors or malfunctions within the software.\n"
        "- Technical assistance: guidance and troubleshooting for issues related to software "
        "functionality.\n"
        "- Software updates: patches, updates, and enhancements to improve the performance "
        "and security of the software.\n"
        "- Consultation: expert advice and recommendations to optimise the usage of the "
        "software."
    ),
    "exclusions": (
        "- Issues arising from modifications made by the client or third parties without "
        "prior approval.\n"
        "- Training and onboarding of new users.\n"
        "- Hardware or infrastructure issues not directly related to the software solution.\n"
        "- Support for deprecated versions of the software beyond the specified end-of-life "
        "date."
    ),
    "channels": (
        "- Email: we acknowledge all emails within 24 business hours. The helpdesk keeps this "
        "promise at once: an acknowledgement carrying your ticket's reference is sent "
        "automatically when your email arrives.\n"
        "- Support ticket system: log in to submit and track support requests.\n"
        "- Phone support: for clients on the Premium plan, during business hours.\n\n"
        "Requests submitted outside business hours are addressed on the next business day, "
        "unless categorised as critical: critical issues get immediate attention (the "
        "1-hour target runs around the clock)."
    ),
    "response_times": "Response times vary with the severity of the issue, with priority "
    "given to critical issues affecting business operations.",
    "process": (
        "If a client is unsatisfied with the resolution provided by our support team, they "
        "may escalate the issue to the designated escalation manager by requesting escalation "
        "from inside the ticket."
    ),
    "policy_updates": (
        "TheBitCraft reserves the right to update this Support Policy at any time without "
        "prior notice. Clients will be notified of any significant changes to the policy via "
        "email or through our website."
    ),
    "contact": "For inquiries or assistance regarding our Support Policy, please contact us "
    "at hello@thebitcraft.com.",
}

BYTEZ = {
    "introduction": (
        "At BytezTech, we're committed to ensuring your success with our technology "
        "solutions. Our support policy outlines how we deliver assistance, resolve issues, "
        "and maintain the quality of service you expect from us."
    ),
    "scope": (
        "Our support services include:\n"
        "- Troubleshooting and resolving issues with BytezTech solutions\n"
        "- Answering questions about product functionality\n"
        "- Guidance on configuration and usage\n"
        "- Assistance with minor customizations\n"
        "- Basic guidance on integration with third-party systems"
    ),
    "exclusions": (
        "- Extensive training (available through our separate training services)\n"
        "- Development of new features or custom modifications\n"
        "- Support for third-party applications not provided by BytezTech\n"
        "- Issues caused by client infrastructure not meeting specified requirements\n"
        "- Data recovery services (beyond standard backup restoration)"
    ),
    "channels": (
        "- Email: every email receives an automatic acknowledgement carrying the ticket's "
        "tracking number.\n"
        "- Phone: during standard support hours; priority line for Premium Support clients.\n"
        "- Support portal: submit and track tickets online.\n\n"
        "Emergency support for critical issues affecting production systems is available "
        "24/7 for clients with Premium Support agreements."
    ),
    "response_times": "We strive to meet the following response time objectives based on "
    "issue priority. A business day is 9 business hours (09:00-18:00 Eastern).",
    "process": (
        "If you feel an issue is not being addressed appropriately, you can request "
        "escalation:\n"
        "- Request escalation within your support ticket\n"
        "- Contact your assigned Account Manager\n"
        "- Request review by the Support Management team\n\n"
        "All escalation requests receive acknowledgement within 4 business hours."
    ),
    "customer_responsibilities": (
        "- Maintain current versions of supported browsers and operating systems\n"
        "- Provide clear, detailed descriptions of issues including steps to reproduce\n"
        "- Include relevant screenshots, error messages, and logs where possible\n"
        "- Designate primary and secondary support contacts for your organization\n"
        "- Ensure support contacts have appropriate knowledge of your implementation"
    ),
    "availability": "Support is not staffed on US federal holidays (listed below, each on "
    "the day it is observed).",
    "custom_solutions": "Assistance with minor customizations is included; development of "
    "new features or custom modifications is not.",
    # The knowledge base is stated by the page only where the tenant has articles (extras).
    "training": "Extensive training is available through our separate training services.",
    "policy_updates": "We may update this Support Policy periodically. Material changes "
    "will be communicated to all clients at least 30 days before taking effect.",
    "contact": "For questions about our Support Policy or to discuss custom support "
    "requirements, please contact your Account Manager or email us.",
}

IONETECH = {
    "introduction": "I One Tech Solutions defines clear response times for the different "
    "types of support requests, and how they are categorised, escalated and improved.",
    "scope": (
        "Issues are categorised, each category with its own priority guidance:\n"
        "- Technical issues: software, hardware or network problems (system crashes, "
        "software errors, connectivity issues, performance degradation).\n"
        "- Billing and financial issues: invoice discrepancies, payment processing, "
        "subscriptions.\n"
        "- Infrastructure and maintenance issues: server maintenance, upgrades, "
        "infrastructure changes.\n"
        "- Security and compliance issues: data breaches, vulnerabilities, regulatory "
        "compliance."
    ),
    "exclusions": (
        "- Third-party software issues.\n"
        "- Customizations beyond standard features.\n"
        "- Hardware-related problems (unless part of our service)."
    ),
    "channels": (
        "Customers can seek assistance by email, by phone or by live chat:\n"
        "- Phone: 85596 9899 444\n"
        "- Live chat: the live chat option; our agents log each chat as a ticket, with the "
        "same response times.\n\n"
        "Working hours: Monday to Friday 8:00 AM to 6:00 PM (local time). Weekends: limited "
        "support, on Saturday mornings (09:00-13:00)."
    ),
    "process": (
        "- Tier 1: frontline support resolves most issues.\n"
        "- Tier 2: escalation to specialised technicians.\n"
        "- Tier 3: senior engineers or management."
    ),
    "customer_responsibilities": (
        "- Providing accurate information about the issue.\n"
        "- Following troubleshooting steps (if applicable)."
    ),
    "availability": "We inform customers about scheduled maintenance windows during which "
    "certain services may be temporarily unavailable.",
    "third_party": "Third-party software issues are not covered.",
    "custom_solutions": "Customizations beyond standard features are not covered.",
    "policy_updates": "We encourage customers to provide feedback on our support experience "
    "(you are asked for a rating after resolution); we use it to continuously improve.",
    "contact": "Call us on 85596 9899 444.",
}

_CLOUDOPS_EXCLUSIONS = (
    "- Issues caused by third-party software or hardware not supported by us.\n"
    "- Issues caused by customer modifications to our software or infrastructure.\n"
    "- Issues caused by unauthorized access to our systems or customer data."
)
CLOUDOPS = {
    "introduction": "In this section, we discuss the support options available to you: "
    "Standard support during business hours and Enterprise support 24x7.",
    "scope": "This support policy covers the infrastructure, connectivity, and software "
    "deployed by customers, at the standard level during business hours and at the "
    "enterprise level 24 hours a day, 7 days a week, including holidays.",
    "exclusions": _CLOUDOPS_EXCLUSIONS,
    "channels": "Customers may submit support requests by email. "
    "Standard: Monday through Friday, 8:00 AM to 5:00 PM Central Time, excluding holidays; "
    "requests received outside these hours are addressed on the next business day. "
    "Enterprise: 24x7, including holidays.",
    "response_times": "Our goal is to respond within one business day (Standard) or within "
    "30 minutes (Enterprise).",
    "process": (
        "If an issue is not resolved within the expected timeframe or you are not satisfied "
        "with the support provided, you may request escalation:\n"
        "- Level 1: Support team lead\n"
        "- Level 2: Department manager\n"
        "- Level 3: Executive management"
    ),
    "liability": "We make no warranties or representations, express or implied, regarding "
    "the accuracy, completeness, or usefulness of the information contained in this policy.",
    "third_party": "Issues caused by third-party software or hardware not supported by us "
    "are not covered.",
    "policy_updates": "This support policy may be subject to change without notice.",
    "contact": "For questions about this support policy, email us.",
}

SECTIONS: dict[str, dict[str, str]] = {
    "bitcraft": BITCRAFT,
    "bytez": BYTEZ,
    "ionetech": IONETECH,
    "cloudops": CLOUDOPS,
}
