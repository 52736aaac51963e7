"""Uses the Python client generated from the served OpenAPI document as a front-end developer
would: register, log in, create a course, read it back. Run by .ci/schemathesis.sh with the
generated package on sys.path and the server's address as the first argument."""

import sys

from preau_client import AuthenticatedClient, Client
from preau_client.api.auth import login, register
from preau_client.api.courses import create_courses, get_courses
from preau_client.models import CourseCreate, LoginBody, RegisterBody, Registered, TokenResponse

base = sys.argv[1]
anonymous = Client(base_url=base, raise_on_unexpected_status=True)
done = register.sync(
    client=anonymous,
    body=RegisterBody(username="generated", password="Typed-Client-42!", email="gen@example.org"),
)
assert isinstance(done, Registered), done
session = login.sync(client=anonymous, body=LoginBody(login="generated", password="Typed-Client-42!"))
assert isinstance(session, TokenResponse), session
member = AuthenticatedClient(base_url=base, token=session.token, raise_on_unexpected_status=True)
course = create_courses.sync(client=member, body=CourseCreate(title="From a typed client", content="Hello"))
assert course is not None and course.title == "From a typed client", course
again = get_courses.sync(client=member, id=course.id)
assert again is not None and again.id == course.id and again.status == "pending", again
print(f"generated client: registered, logged in, created and read course {course.id}")
