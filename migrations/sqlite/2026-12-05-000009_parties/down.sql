DROP TABLE staff_invitations;
DROP TABLE entrustments;
DROP TABLE role_requests;
